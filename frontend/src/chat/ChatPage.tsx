// The coach: conversations on the side, the current one in the middle, a composer at the bottom.
import { useMutation, useQuery } from "@tanstack/react-query";
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";
import { useLocation, useNavigate, useParams } from "react-router";
import { api, unwrap } from "../api/client";
import { ErrorNote, Loading } from "../ui/feedback";
import { exchangesFromMessages } from "./history";
import { ThreadList } from "./ThreadList";
import { turnText } from "./turn";
import { TurnView } from "./TurnView";
import { type Exchange, useCoach } from "./useCoach";

const SUGGESTIONS = ["How was my last run?", "Predict my marathon time", "What should I run today?"];

export function ChatPage() {
  const { threadId } = useParams();
  return (
    <div className="chat">
      <ThreadList />
      {threadId ? <Conversation key={threadId} threadId={threadId} /> : <NewConversation />}
    </div>
  );
}

function NewConversation() {
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/chat/threads", { body: {} })),
  });
  const start = (content: string) =>
    create.mutate(undefined, { onSuccess: (t) => navigate(`/chat/${t.id}`, { state: { send: content } }) });
  return (
    <section className="conversation" aria-label="Conversation">
      <h1 className="visually-hidden">Coach</h1>
      <div className="messages">
        <Welcome onPick={start} disabled={create.isPending} />
        <ErrorNote error={create.error} title="Could not start a conversation" />
      </div>
      <Composer busy={create.isPending} onSend={start} />
    </section>
  );
}

function Welcome({ onPick, disabled }: { onPick: (s: string) => void; disabled: boolean }) {
  return (
    <div className="welcome">
      <p>Ask your coach anything about your training. Every number comes from your own data.</p>
      <div className="row wrap">
        {SUGGESTIONS.map((s) => (
          <button key={s} type="button" className="pill" onClick={() => onPick(s)} disabled={disabled}>
            {s}
          </button>
        ))}
      </div>
    </div>
  );
}

function Conversation({ threadId }: { threadId: string }) {
  const location = useLocation();
  const navigate = useNavigate();
  const coach = useCoach(threadId);
  const detail = useQuery({
    queryKey: ["chat", "thread", threadId],
    queryFn: () => unwrap(api.GET("/api/v1/chat/threads/{thread_id}", { params: { path: { thread_id: threadId } } })),
    staleTime: 0,
    gcTime: 0,
  });
  const started = useRef(false);
  const end = useRef<HTMLDivElement>(null);
  const { exchanges, send, decide, attach, setExchanges, busy, reconnecting } = coach;
  const last = exchanges.at(-1)?.turn;
  const lastLength = last ? turnText(last).length + last.parts.length : 0; // follow the answer as it grows

  useEffect(() => {
    if (started.current || !detail.data) return;
    started.current = true;
    const history: Exchange[] = exchangesFromMessages(detail.data.messages, threadId);
    const first = (location.state as { send?: string } | null)?.send;
    if (first) {
      navigate(".", { replace: true, state: null }); // a reload must not send it again
      setExchanges(history);
      void send(first);
    } else if (detail.data.running) {
      void attach(history);
    } else {
      setExchanges(history);
    }
  }, [detail.data, threadId, location.state, navigate, send, attach, setExchanges]);

  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "end" });
  }, [exchanges.length, lastLength]);

  return (
    <section className="conversation" aria-label={detail.data?.title ?? "Conversation"}>
      <h1 className="visually-hidden">{detail.data?.title ?? "Coach"}</h1>
      <div className="messages" aria-live="polite">
        {detail.isPending && <Loading />}
        <ErrorNote error={detail.error} title="Could not open this conversation" />
        {detail.data && exchanges.length === 0 && <Welcome onPick={(s) => void send(s)} disabled={busy} />}
        {exchanges.map((x, i) => (
          <div key={x.key} className="exchange">
            {x.prompt && <p className="bubble me">{x.prompt}</p>}
            <TurnView
              turn={x.turn}
              busy={busy}
              onDecide={(id, approved) => void decide(id, approved)}
              onRetry={i === exchanges.length - 1 && x.prompt ? () => void send(x.prompt ?? "") : undefined}
            />
          </div>
        ))}
        {reconnecting && (
          <p className="note" role="status">
            Connection lost — reconnecting…
          </p>
        )}
        <div ref={end} />
      </div>
      <Composer busy={busy || !detail.data} onSend={(content) => void send(content)} />
    </section>
  );
}

function Composer({ busy, onSend }: { busy: boolean; onSend: (content: string) => void }) {
  const [draft, setDraft] = useState("");
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const content = draft.trim();
    if (!content || busy) return;
    setDraft("");
    onSend(content);
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey) submit(e);
  };
  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor="chat-input" className="visually-hidden">
        Message to the coach
      </label>
      <textarea
        id="chat-input"
        rows={2}
        placeholder="Message your coach (Enter to send, Shift+Enter for a new line)"
        value={draft}
        maxLength={8000}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={onKey}
      />
      <button type="submit" className="primary" disabled={busy || !draft.trim()}>
        {busy ? "Answering…" : "Send"}
      </button>
    </form>
  );
}
