// The coach: conversations on the side, the current one in the middle, a composer at the bottom.
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";
import { Navigate, useParams } from "react-router";
import { TurnView } from "./TurnView";
import { useCoach } from "./useCoach";

const SUGGESTIONS = ["How was my last run?", "Predict my marathon time", "What should I run today?"];

export function ChatPage() {
  const { threadId } = useParams();
  if (!threadId) return <Navigate to={`/chat/${crypto.randomUUID()}`} replace />;
  return <Conversation key={threadId} threadId={threadId} />;
}

function Conversation({ threadId }: { threadId: string }) {
  const { exchanges, send, decide, busy, reconnecting } = useCoach(threadId);
  const [draft, setDraft] = useState("");
  const end = useRef<HTMLDivElement>(null);
  const lastLength = exchanges.at(-1)?.turn.parts.length ?? 0;

  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "end" });
  }, [exchanges.length, lastLength]);

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const content = draft.trim();
    if (!content || busy) return;
    setDraft("");
    void send(content);
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && !e.shiftKey) submit(e);
  };

  return (
    <div className="chat">
      <section className="conversation" aria-label="Conversation">
        <h1 className="visually-hidden">Coach</h1>
        <div className="messages" aria-live="polite">
          {exchanges.length === 0 && (
            <div className="welcome">
              <p>Ask your coach anything about your training. Every number comes from your own data.</p>
              <div className="row wrap">
                {SUGGESTIONS.map((s) => (
                  <button key={s} type="button" className="pill" onClick={() => void send(s)} disabled={busy}>
                    {s}
                  </button>
                ))}
              </div>
            </div>
          )}
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
      </section>
    </div>
  );
}
