// Distance per training week for the dashboard's weekly bars. The load endpoint's weeks (Monday-based, in the
// athlete's time zone) carry no distance, so the runs' distances are added up here by their local date, over
// exactly the days the load's weeks cover.
import { api, type Schemas, unwrap } from "../api/client";
import { addDays, mondayOf } from "../plan/calendar";
import { type UnitSystem, toDistance } from "../units/units";

const PAGE = 200;
/** 12 weeks of runs is far below this; it only bounds a paging loop that would not end */
const MAX_PAGES = 20;

type Run = Pick<Schemas["ActivitySummary"], "local_date" | "distance_km">;

/** Each week's distance in km or miles, in the order of `weekStarts` (Mondays); 0 for a week without runs. */
export function weeklyDistance(weekStarts: readonly string[], runs: readonly Run[], units: UnitSystem): number[] {
  const totals = new Map(weekStarts.map((w) => [w, 0]));
  for (const run of runs) {
    const week = mondayOf(run.local_date);
    const total = totals.get(week);
    if (total == null || run.distance_km == null || !Number.isFinite(run.distance_km)) continue;
    totals.set(week, total + run.distance_km);
  }
  return weekStarts.map((w) => toDistance((totals.get(w) ?? 0) * 1000, units));
}

/** The first day the load's window covers: `days` days ending on `today`. */
export function windowStart(today: string, days: number): string {
  return addDays(today, -(days - 1));
}

export type RunsPage = (offset: number, limit: number) => Promise<{ items: Run[]; next_offset?: number | null }>;

/** One page of the runs from `since` to `until` (local dates), newest first. */
export const runsPage =
  (since: string, until: string): RunsPage =>
  (offset, limit) =>
    unwrap(api.GET("/api/v1/activities", { params: { query: { sport: "running", since, until, limit, offset } } }));

/** Every run `page` gives, page after page, until there is no next page (or it would not move on). */
export async function fetchRuns(page: RunsPage): Promise<Run[]> {
  const runs: Run[] = [];
  let offset: number | null = 0;
  for (let n = 0; offset != null && n < MAX_PAGES; n += 1) {
    const result: Awaited<ReturnType<RunsPage>> = await page(offset, PAGE);
    runs.push(...result.items);
    offset = result.next_offset != null && result.next_offset > offset ? result.next_offset : null;
  }
  return runs;
}
