import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import {
  type CoachingOverview,
  type FeedItem,
  type FeedPage,
  MAX_COMMENT_CHARS,
  commentProblem,
  commentSource,
  feedQuery,
  mergePages,
  parseView,
  viewOptions,
  viewParam,
} from "./feed";
import { FeedItemCard } from "./FeedItemCard";

function item(id: number, overrides: Partial<FeedItem> = {}): FeedItem {
  return {
    activity: {
      id,
      name: `Run ${id}`,
      sport: "running",
      start_time: "2026-11-20T07:00:00Z",
      local_date: "2026-11-20",
      distance_km: 10.02,
      duration_s: 3000,
      pace_s_per_km: 299.4,
      avg_hr: 151.4,
      max_hr: 170,
      ascent_m: 40,
      training_load: 80,
      load_method: "trimp",
      source: "upload",
    },
    athlete: { id: 7, name: "Ana" },
    mine: true,
    coach_comment: {
      source: "computed",
      title: null,
      text: "10.02 km in 50:00 (4:59 /km), average heart rate 151 bpm.",
      facts: [],
      created_at: "2026-11-20T08:00:00Z",
    },
    comments: [],
    can_comment: true,
    can_view_details: true,
    ...overrides,
  };
}

function overview(names: string[]): CoachingOverview {
  return {
    coaches: [],
    invitations: [],
    athletes: names.map((name, i) => ({
      id: 100 + i,
      status: "active",
      athlete: { id: 10 + i, name },
      can_view_details: true,
      can_comment: true,
      created_at: "2026-11-01T00:00:00Z",
      accepted_at: "2026-11-01T00:00:00Z",
    })),
  };
}

function render(feedItem: FeedItem, withComment = true): string {
  const card = createElement(FeedItemCard, {
    item: feedItem,
    units: "metric",
    onComment: withComment ? async () => undefined : undefined,
  });
  return renderToStaticMarkup(createElement(MemoryRouter, null, card));
}

describe("feed views", () => {
  it("reads and writes the view in the URL", () => {
    expect(parseView(null)).toEqual({ kind: "mine" });
    expect(parseView("athletes")).toEqual({ kind: "athletes" });
    expect(parseView("42")).toEqual({ kind: "athlete", id: 42 });
    for (const junk of ["0", "-3", "4.5", "abc", "1e9", "99999999999999999999"]) {
      expect(parseView(junk)).toEqual({ kind: "mine" });
    }
    for (const param of ["mine", "athletes", "42"]) expect(viewParam(parseView(param))).toBe(param);
  });

  it("asks the API for the view's feed and page", () => {
    expect(feedQuery({ kind: "mine" })).toEqual({ limit: 20 });
    expect(feedQuery({ kind: "athlete", id: 9 }, "abc")).toEqual({ limit: 20, athlete_id: 9, cursor: "abc" });
    expect(feedQuery({ kind: "athletes" }, null)).toEqual({ limit: 20, athletes: true });
  });

  it("offers a coach their own feed, each athlete, and all of them when there are several", () => {
    expect(viewOptions(undefined).map((o) => o.label)).toEqual(["My activities"]);
    expect(viewOptions(overview(["Ana"]))).toEqual([
      { value: "mine", label: "My activities" },
      { value: "10", label: "Ana" },
    ]);
    expect(viewOptions(overview(["Ana", "Ben"])).map((o) => o.value)).toEqual(["mine", "athletes", "10", "11"]);
  });

  it("merges pages in order without showing an activity twice", () => {
    const pages: FeedPage[] = [
      { items: [item(5), item(4)], next_cursor: "x" },
      { items: [item(4), item(3)], next_cursor: null },
    ];
    expect(mergePages(pages).map((i) => i.activity.id)).toEqual([5, 4, 3]);
    expect(mergePages([])).toEqual([]);
  });

  it("checks a comment before sending it", () => {
    expect(commentProblem("   ")).toMatch(/Write something/);
    expect(commentProblem("x".repeat(MAX_COMMENT_CHARS + 1))).toMatch(/under 2000/);
    expect(commentProblem("  Nice run  ")).toBeNull();
    expect(commentProblem("x".repeat(MAX_COMMENT_CHARS))).toBeNull();
  });
});

describe("a feed item", () => {
  it("shows an athlete's run to their coach with the comment box the link grants", () => {
    const html = render(
      item(3, {
        mine: false,
        comments: [
          { id: 1, author: { id: 2, name: "Coach Carla" }, body: "Strong finish", created_at: "", by_me: true, can_delete: true },
        ],
      }),
    );
    expect(html).toContain("10.02 km in 50:00");
    expect(html).toContain("Ana"); // whose run it is
    expect(html).not.toContain('href="/activities/3"'); // a coach has no activity page of the athlete's
    expect(html).toContain("<strong>You</strong>: Strong finish");
    expect(html).toContain('aria-label="Comment"');
    expect(html).toContain("Computed from this activity");
  });

  it("links your own run and hides the comment box when commenting is not granted", () => {
    const own = render(item(8));
    expect(own).toContain('href="/activities/8"');
    const closed = render(item(8, { mine: false, can_comment: false }));
    expect(closed).not.toContain('aria-label="Comment"');
  });

  it("says when the comment is the after-run message that was sent", () => {
    const sent = item(2, {
      coach_comment: { source: "after_run_message", title: "Your run", text: "Well paced.", facts: [], created_at: "" },
    });
    expect(commentSource(sent.coach_comment)).toMatch(/after-run message/);
    expect(render(sent)).toContain("Well paced.");
  });
});
