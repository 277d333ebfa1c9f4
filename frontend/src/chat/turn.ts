// A turn of the conversation as the chat shows it, built by folding CoachEvents in order (pure: tested).
import type { CoachEvent, EventOf } from "./events";

export interface ToolPart {
  kind: "tool";
  callId: string;
  name: string;
  arguments: Record<string, unknown>;
  result?: EventOf<"tool_result">;
}

export interface TextPart {
  kind: "text";
  text: string;
}

export type TurnPart = TextPart | ToolPart;

export type TurnStatus = "streaming" | "done" | "awaiting_approval" | "error";

export interface Turn {
  threadId: string | null;
  status: TurnStatus;
  /** the turn waits to start (the server is busy): its place in the queue; null once it runs */
  queued: number | null;
  /** text and tool calls, in the order they happened */
  parts: TurnPart[];
  citations: EventOf<"citation">[];
  approval: EventOf<"approval_required"> | null;
  warnings: EventOf<"grounding_warning">[];
  done: EventOf<"message_done"> | null;
  error: EventOf<"error"> | null;
}

export function emptyTurn(threadId: string | null = null): Turn {
  return {
    threadId,
    status: "streaming",
    queued: null,
    parts: [],
    citations: [],
    approval: null,
    warnings: [],
    done: null,
    error: null,
  };
}

/** The answer's text so far (all text parts, concatenated). */
export function turnText(turn: Turn): string {
  return turn.parts.map((p) => (p.kind === "text" ? p.text : "")).join("");
}

export function applyEvent(turn: Turn, event: CoachEvent): Turn {
  switch (event.type) {
    case "turn_started":
      return {
        ...turn,
        threadId: event.thread_id,
        status: "streaming",
        queued: event.queued ?? null,
        approval: null,
        error: null,
      };
    case "text_delta": {
      const last = turn.parts[turn.parts.length - 1];
      if (last?.kind === "text") {
        return { ...turn, parts: [...turn.parts.slice(0, -1), { kind: "text", text: last.text + event.text }] };
      }
      return { ...turn, parts: [...turn.parts, { kind: "text", text: event.text }] };
    }
    case "tool_call":
      return {
        ...turn,
        parts: [
          ...turn.parts,
          { kind: "tool", callId: event.call_id, name: event.name, arguments: event.arguments },
        ],
      };
    case "tool_result": {
      let found = false;
      const parts = turn.parts.map((p) => {
        if (p.kind === "tool" && p.callId === event.call_id && !p.result) {
          found = true;
          return { ...p, result: event };
        }
        return p;
      });
      if (!found) {
        // a result whose call we did not see (e.g. joined after a reconnect): show it on its own
        parts.push({ kind: "tool", callId: event.call_id, name: event.name, arguments: {}, result: event });
      }
      return { ...turn, parts };
    }
    case "citation":
      if (turn.citations.some((c) => c.source === event.source && c.heading_path === event.heading_path)) {
        return turn;
      }
      return { ...turn, citations: [...turn.citations, event] };
    case "grounding_warning":
      return { ...turn, warnings: [...turn.warnings, event] };
    case "approval_required":
      return { ...turn, status: "awaiting_approval", approval: event };
    case "message_done": {
      // the saved text is the truth: if deltas were lost, show what was saved
      const streamed = turnText(turn);
      const parts =
        event.text && streamed.trim() !== event.text.trim()
          ? [...turn.parts.filter((p) => p.kind === "tool"), { kind: "text" as const, text: event.text }]
          : turn.parts;
      return { ...turn, status: "done", done: event, parts };
    }
    case "error":
      return { ...turn, status: "error", error: event };
    default:
      return turn;
  }
}

export function foldEvents(events: readonly CoachEvent[], start: Turn = emptyTurn()): Turn {
  return events.reduce(applyEvent, start);
}
