// The conversation on screen: sends a message (or an approval decision) and folds the streamed events into
// the last turn as they arrive.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { errorFrom, rawFetch } from "../api/client";
import { StreamError, runTurn } from "./stream";
import { applyEvent, emptyTurn, type Turn } from "./turn";

export interface Exchange {
  key: string;
  /** what the athlete said (or decided), null for a turn loaded from history */
  prompt: string | null;
  turn: Turn;
}

export const THREADS_KEY = ["chat", "threads"] as const;

const threadPath = (threadId: string) => `/api/v1/chat/threads/${encodeURIComponent(threadId)}`;

function jsonPost(path: string, body: unknown): Promise<Response> {
  return rawFetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(body),
  });
}

function resumeFrom(threadId: string) {
  return (lastEventId: string | null) =>
    rawFetch(`${threadPath(threadId)}/events`, {
      headers: { Accept: "text/event-stream", ...(lastEventId ? { "Last-Event-ID": lastEventId } : {}) },
    });
}

export function useCoach(threadId: string) {
  const client = useQueryClient();
  const [exchanges, setExchanges] = useState<Exchange[]>([]);
  const [busy, setBusy] = useState(false);
  const [reconnecting, setReconnecting] = useState(false);
  const abort = useRef<AbortController | null>(null);

  // leaving the conversation stops following its stream (the turn itself runs on and is saved)
  useEffect(() => () => abort.current?.abort(), []);

  const run = useCallback(
    async (prompt: string | null, start: () => Promise<Response>, into?: string) => {
      const key = into ?? `${Date.now()}-${Math.random()}`;
      const update = (fn: (t: Turn) => Turn) =>
        setExchanges((all) => all.map((x) => (x.key === key ? { ...x, turn: fn(x.turn) } : x)));
      if (!into) setExchanges((all) => [...all, { key, prompt, turn: emptyTurn(threadId) }]);
      setBusy(true);
      const controller = new AbortController();
      abort.current = controller;
      try {
        await runTurn({
          start,
          resume: resumeFrom(threadId),
          onEvent: (event) => {
            setReconnecting(false);
            update((t) => applyEvent(t, event));
          },
          onReconnect: () => setReconnecting(true),
          signal: controller.signal,
        });
      } catch (err) {
        let message = (err as Error).message;
        if (err instanceof StreamError && err.response) message = (await errorFrom(err.response)).message;
        update((t) => applyEvent(t, { type: "error", code: "client", message, retryable: true }));
      } finally {
        setBusy(false);
        setReconnecting(false);
        void client.invalidateQueries({ queryKey: THREADS_KEY });
      }
    },
    [client, threadId],
  );

  const send = useCallback(
    (content: string) => run(content, () => jsonPost(`${threadPath(threadId)}/messages`, { content })),
    [run, threadId],
  );

  const decide = useCallback(
    (approvalId: string, approved: boolean) =>
      run(approved ? "Approved" : "Declined", () =>
        jsonPost(`${threadPath(threadId)}/approvals`, { approval_id: approvalId, approved }),
      ),
    [run, threadId],
  );

  /** Follows a turn that is still running on the server (opened mid-answer, or after a reload). */
  const attach = useCallback(
    (history: Exchange[]) => {
      const last = history.at(-1);
      const pending = last && last.turn.status === "streaming" ? last : null;
      setExchanges(pending ? history : [...history, { key: "live", prompt: null, turn: emptyTurn(threadId) }]);
      const key = pending?.key ?? "live";
      const resume = resumeFrom(threadId);
      return run(null, () => resume(null), key).then(() =>
        setExchanges((all) => all.filter((x) => !(x.key === key && x.turn.parts.length === 0 && x.turn.status === "streaming" && !x.prompt))),
      );
    },
    [run, threadId],
  );

  const stop = useCallback(() => abort.current?.abort(), []);

  return { exchanges, setExchanges, send, decide, attach, stop, busy, reconnecting };
}
