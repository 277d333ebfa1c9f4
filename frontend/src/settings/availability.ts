// The availability form's rows, to and from the API. Pure: tested.
import type { Schemas } from "../api/client";

export interface DayDraft {
  available: boolean;
  /** minutes as typed; "" = no limit */
  maxMinutes: string;
}

export function fromWeek(week: readonly Schemas["DayAvailability"][]): DayDraft[] {
  return Array.from({ length: 7 }, (_, k) => {
    const day = week.find((d) => d.weekday === k);
    return { available: day?.available ?? true, maxMinutes: day?.max_minutes != null ? String(day.max_minutes) : "" };
  });
}

export function toWeek(days: readonly DayDraft[]): Schemas["DayAvailability"][] {
  return days.map((d, k) => ({
    weekday: k,
    available: d.available,
    max_minutes: d.available && d.maxMinutes.trim() ? Math.round(Number(d.maxMinutes)) : null,
  }));
}

/** What the save did to the plan, in a sentence. */
export function planNote(plan: Schemas["PlanFit"]): string {
  if (plan.plan_id == null) return "Saved. New plans will use it.";
  if (plan.weeks.length === 0) return "Saved. Your plan already fits.";
  return `Saved. ${plan.moved_or_resized} sessions in ${plan.weeks.length} week${plan.weeks.length === 1 ? "" : "s"} moved or resized, with the same weekly volume.`;
}
