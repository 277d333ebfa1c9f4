import { describe, expect, it } from "vitest";
import { fromWeek, planNote, toWeek } from "./availability";

describe("availability form", () => {
  it("fills missing weekdays as open without a limit and round-trips", () => {
    const drafts = fromWeek([{ weekday: 2, available: false, max_minutes: null }, { weekday: 5, available: true, max_minutes: 45 }]);
    expect(drafts[0]).toEqual({ available: true, maxMinutes: "" });
    expect(drafts[2]?.available).toBe(false);
    expect(drafts[5]?.maxMinutes).toBe("45");
    const week = toWeek(drafts);
    expect(week).toHaveLength(7);
    expect(week[5]).toEqual({ weekday: 5, available: true, max_minutes: 45 });
  });
  it("sends no limit for a closed day", () => {
    expect(toWeek([{ available: false, maxMinutes: "30" }])[0]?.max_minutes).toBeNull();
  });
  it("says what happened to the plan", () => {
    expect(planNote({ plan_id: null, weeks: [], moved_or_resized: 0, notes: [] })).toMatch(/New plans/);
    expect(planNote({ plan_id: 3, weeks: [4], moved_or_resized: 2, notes: [] })).toBe(
      "Saved. 2 sessions in 1 week moved or resized, with the same weekly volume.",
    );
  });
});
