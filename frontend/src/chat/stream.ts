// Runs one turn over SSE: reads CoachEvents as they arrive and, when the connection drops before the
// turn's final event, reconnects with Last-Event-ID so the server resumes from its buffer (no event is
// shown twice: ids already seen are skipped).
import { type CoachEvent, coachEventFrom, isFinal } from "./events";
import { SseParser } from "./sse";

export interface StreamOptions {
  /** starts the turn (POST a message or an approval decision); must answer text/event-stream */
  start: () => Promise<Response>;
  /** reopens the turn's stream after `lastEventId` (GET …/events with Last-Event-ID) */
  resume: (lastEventId: string | null) => Promise<Response>;
  onEvent: (event: CoachEvent) => void;
  /** told before each reconnect attempt (for a "reconnecting…" hint) */
  onReconnect?: (attempt: number) => void;
  signal?: AbortSignal;
  maxReconnects?: number;
  /** waits between reconnects; injectable for tests */
  sleep?: (ms: number) => Promise<void>;
  backoffMs?: (attempt: number) => number;
}

export class StreamError extends Error {
  readonly response: Response | null;
  constructor(message: string, response: Response | null = null) {
    super(message);
    this.name = "StreamError";
    this.response = response;
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Reads one response body; returns true when the turn's final event arrived. */
async function pump(
  response: Response,
  parser: SseParser,
  seen: Set<string>,
  onEvent: (event: CoachEvent) => void,
  signal?: AbortSignal,
): Promise<boolean> {
  if (!response.body) return false;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const abort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener("abort", abort, { once: true });
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        parser.end();
        return false;
      }
      for (const message of parser.push(value)) {
        if (message.id !== null) {
          if (seen.has(message.id)) continue;
          seen.add(message.id);
        }
        const event = coachEventFrom(message);
        if (!event) continue;
        onEvent(event);
        if (isFinal(event)) {
          await reader.cancel().catch(() => undefined);
          return true;
        }
      }
    }
  } finally {
    signal?.removeEventListener("abort", abort);
  }
}

function isStream(response: Response): boolean {
  return (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
}

/**
 * Runs the turn to its final event. Throws StreamError when the server refuses the request (the caller
 * reads `response` for the problem details) or when reconnecting keeps failing.
 */
export async function runTurn(options: StreamOptions): Promise<void> {
  const {
    start,
    resume,
    onEvent,
    onReconnect,
    signal,
    maxReconnects = 5,
    sleep = defaultSleep,
    backoffMs = (attempt) => Math.min(8000, 500 * 2 ** (attempt - 1)),
  } = options;
  const parser = new SseParser();
  const seen = new Set<string>();

  let response: Response;
  try {
    response = await start();
  } catch (err) {
    throw new StreamError(`Could not reach RunCoach (${(err as Error).message}). Check the connection and retry.`);
  }
  if (response.status === 204) return; // nothing to follow (resuming a turn that already ended)
  if (!response.ok || !isStream(response)) throw new StreamError("The coach did not accept the message.", response);

  let current: Response | null = response;
  let attempt = 0;
  for (;;) {
    if (current) {
      const before = seen.size;
      let finished = false;
      try {
        finished = await pump(current, parser, seen, onEvent, signal);
      } catch {
        finished = false; // the connection dropped mid-stream
      }
      if (finished || signal?.aborted) return;
      if (seen.size > before) attempt = 0; // it was making progress: a fresh budget of retries
      current = null;
    }
    attempt += 1;
    if (attempt > maxReconnects) {
      throw new StreamError("The connection to the coach keeps dropping. Reload the page to see the answer.");
    }
    onReconnect?.(attempt);
    await sleep(backoffMs(attempt));
    if (signal?.aborted) return;
    let next: Response;
    try {
      next = await resume(parser.lastEventId);
    } catch {
      continue; // still offline: try again after the next pause
    }
    if (next.status === 404 || next.status === 410) {
      throw new StreamError("The answer is no longer available to resume. Reload the conversation.", next);
    }
    if (next.ok && isStream(next)) current = next;
  }
}
