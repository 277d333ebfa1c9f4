// A stored conversation (GET /chat/threads/{id}) → the exchanges the chat shows. Stored assistant messages
// carry their text and their non-text events (tool calls, results, citations, the final event).
import type { Schemas } from "../api/client";
import { type CoachEvent, coachEventFrom } from "./events";
import { applyEvent, emptyTurn, type Turn } from "./turn";
import type { Exchange } from "./useCoach";

type StoredMessage = Schemas["MessageOut"];

function storedTurn(message: StoredMessage, threadId: string): Turn {
  const events = message.events
    .map((e) => coachEventFrom({ event: String(e.type ?? ""), data: JSON.stringify(e), id: null, retry: null }))
    .filter((e): e is CoachEvent => e !== null && e.type !== "text_delta");
  let turn = events.filter((e) => e.type !== "message_done").reduce(applyEvent, emptyTurn(threadId));
  if (message.content) turn = applyEvent(turn, { type: "text_delta", text: message.content });
  const final = events.find((e) => e.type === "message_done" || e.type === "approval_required" || e.type === "error");
  if (!final) {
    turn = { ...turn, status: "done" };
  } else if (final.type === "message_done") {
    turn = applyEvent(turn, { ...final, text: message.content });
  }
  return turn;
}

export function exchangesFromMessages(messages: readonly StoredMessage[], threadId: string): Exchange[] {
  const out: Exchange[] = [];
  let prompt: string | null = null;
  for (const message of messages) {
    if (message.role === "user" || message.role === "approval") {
      if (prompt !== null) out.push({ key: `m${message.id}-q`, prompt, turn: { ...emptyTurn(threadId), status: "done" } });
      prompt = message.content;
      continue;
    }
    const turn = storedTurn(message, threadId);
    out.push({ key: `m${message.id}`, prompt, turn });
    prompt = null;
  }
  if (prompt !== null) out.push({ key: "pending", prompt, turn: emptyTurn(threadId) });
  // only the newest turn can still be waiting for a decision
  return out.map((x, i) =>
    i < out.length - 1 && x.turn.status === "awaiting_approval" ? { ...x, turn: { ...x.turn, status: "done" } } : x,
  );
}
