// The coach's events as the web app receives them. Their types are generated from agent/events.py
// (`npm run gen:api`); this module only reads them off the wire.
import type { Schemas } from "../api/client";
import type { SseMessage } from "./sse";

export type CoachEvent = Schemas["CoachEvent"];
export type CoachEventType = CoachEvent["type"];
export type EventOf<T extends CoachEventType> = Extract<CoachEvent, { type: T }>;

const KNOWN: ReadonlySet<string> = new Set<CoachEventType>([
  "turn_started",
  "text_delta",
  "tool_call",
  "tool_result",
  "citation",
  "approval_required",
  "grounding_warning",
  "message_done",
  "error",
]);

/** After one of these the turn's stream ends. */
export const FINAL_TYPES: ReadonlySet<CoachEventType> = new Set<CoachEventType>([
  "message_done",
  "approval_required",
  "error",
]);

/** One SSE message → a CoachEvent, or null for what is not one (pings, events of a newer server). */
export function coachEventFrom(message: SseMessage): CoachEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(message.data);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const record = value as Record<string, unknown>;
  const type = typeof record.type === "string" ? record.type : message.event;
  if (!KNOWN.has(type)) return null;
  return { ...record, type } as CoachEvent;
}

export function isFinal(event: CoachEvent): boolean {
  return FINAL_TYPES.has(event.type);
}
