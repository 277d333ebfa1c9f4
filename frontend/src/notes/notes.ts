// Labels for calendar notes and their proposed changes. Pure: tested.
import type { Schemas } from "../api/client";

export type NoteKind = Schemas["NoteOut"]["kind"];

export const NOTE_KINDS: readonly NoteKind[] = ["illness", "injury", "travel", "life_stress", "other"];

export const KIND_LABELS: Record<NoteKind, string> = {
  illness: "Illness",
  injury: "Injury / niggle",
  travel: "Travel",
  life_stress: "Life stress",
  other: "Other",
};

export const SEVERITY_LABELS: Record<number, string> = { 1: "mild", 2: "moderate", 3: "severe" };

/** "Rest", "Easy 4.8 km (return from illness, 30%) — 4.8 km", or "moved to 2026-12-12". */
export function changeLabel(s: Schemas["SessionEdit"]): string {
  if (s.date !== s.new_date) return `moved to ${s.new_date}`;
  if (s.after_kind === "rest") return s.after;
  return s.after.includes(`${s.after_km} km`) ? s.after : `${s.after} — ${s.after_km} km`;
}
