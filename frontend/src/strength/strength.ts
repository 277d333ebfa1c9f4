// The strength log form's rows turned into the API's exercises. Pure: tested.
import type { Schemas } from "../api/client";

export interface ExerciseDraft {
  name: string;
  sets: string;
  reps: string;
  load: string;
}

export const SPORTS = [
  { value: "strength_training", label: "Strength" },
  { value: "cycling", label: "Cycling" },
  { value: "swimming", label: "Swimming" },
  { value: "rowing", label: "Rowing" },
  { value: "elliptical", label: "Elliptical" },
  { value: "yoga", label: "Yoga" },
  { value: "hiking", label: "Hiking" },
  { value: "walking", label: "Walking" },
  { value: "cross_country_skiing", label: "XC skiing" },
  { value: "other", label: "Other" },
] as const;

/** Named rows only; `sets` copies of one set of `reps` at `load` kg (none: bodyweight). */
export function toExercises(rows: readonly ExerciseDraft[]): Schemas["ExerciseIn"][] {
  return rows
    .filter((r) => r.name.trim())
    .map((r) => {
      const sets = Math.max(1, Math.min(20, Math.round(Number(r.sets) || 1)));
      const reps = r.reps.trim() ? Math.round(Number(r.reps)) : null;
      const load = r.load.trim() ? Number(r.load) : null;
      return { name: r.name.trim(), sets: Array.from({ length: sets }, () => ({ reps, load_kg: load })) };
    });
}
