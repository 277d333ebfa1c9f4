// The feed's pure logic: which feed a view asks for, the coach's switch, pages merged, comment checks.
import type { Schemas } from "../api/client";

export type FeedItem = Schemas["FeedItem"];
export type FeedPage = Schemas["FeedPage"];
export type CoachingOverview = Schemas["CoachingOverview"];

/** Whose feed: your own, every athlete you coach, or one of them. */
export type FeedView = { kind: "mine" } | { kind: "athletes" } | { kind: "athlete"; id: number };

export const PAGE_SIZE = 20;
/** The server's limit on a comment (tools/feed/comments.py MAX_COMMENT_CHARS). */
export const MAX_COMMENT_CHARS = 2000;

/** `?view=` → a view: "athletes", an athlete's id, anything else is your own feed. */
export function parseView(param: string | null): FeedView {
  if (param === "athletes") return { kind: "athletes" };
  if (param && /^[1-9]\d{0,14}$/.test(param)) return { kind: "athlete", id: Number(param) };
  return { kind: "mine" };
}

export function viewParam(view: FeedView): string {
  if (view.kind === "athlete") return String(view.id);
  return view.kind;
}

/** The query of GET /api/v1/feed for a view and page. */
export function feedQuery(view: FeedView, cursor?: string | null) {
  return {
    limit: PAGE_SIZE,
    ...(view.kind === "athlete" ? { athlete_id: view.id } : {}),
    ...(view.kind === "athletes" ? { athletes: true } : {}),
    ...(cursor ? { cursor } : {}),
  };
}

/** The coach's switch: your own activities, all athletes (when more than one), then each athlete. */
export function viewOptions(overview: CoachingOverview | undefined): { value: string; label: string }[] {
  const athletes = overview?.athletes ?? [];
  const options = [{ value: "mine", label: "My activities" }];
  if (athletes.length > 1) options.push({ value: "athletes", label: "All my athletes" });
  for (const link of athletes) options.push({ value: String(link.athlete.id), label: link.athlete.name });
  return options;
}

/** Pages in order as one list (an activity that moved between pages while loading shows once). */
export function mergePages(pages: readonly FeedPage[]): FeedItem[] {
  const seen = new Set<number>();
  const out: FeedItem[] = [];
  for (const page of pages) {
    for (const item of page.items) {
      if (seen.has(item.activity.id)) continue;
      seen.add(item.activity.id);
      out.push(item);
    }
  }
  return out;
}

/** What is wrong with a comment before it is sent, or null when it can go. */
export function commentProblem(text: string): string | null {
  const trimmed = text.trim();
  if (!trimmed) return "Write something first.";
  if (trimmed.length > MAX_COMMENT_CHARS) {
    return `Keep it under ${MAX_COMMENT_CHARS} characters (${trimmed.length} now).`;
  }
  return null;
}

/** Where the coach's comment came from, in words. */
export function commentSource(comment: Schemas["CoachComment"]): string {
  return comment.source === "after_run_message"
    ? "The coach's after-run message"
    : "Computed from this activity's data";
}
