import { describe, expect, it } from "vitest";
import { type RunsPage, fetchRuns, weeklyDistance, windowStart } from "./weeklyDistance";

const WEEKS = ["2026-11-02", "2026-11-09", "2026-11-16"]; // Mondays

describe("weeklyDistance", () => {
  it("adds each run to the Monday-based week of its local date", () => {
    const runs = [
      { local_date: "2026-11-08", distance_km: 10 }, // Sunday: the week of 2 Nov
      { local_date: "2026-11-09", distance_km: 5 }, // Monday: a new week
      { local_date: "2026-11-15", distance_km: 21.1 },
      { local_date: "2026-11-03", distance_km: 8 },
      { local_date: "2026-11-04", distance_km: null }, // no distance (treadmill without a footpod)
      { local_date: "2026-10-30", distance_km: 30 }, // before the first week: not shown
    ];
    const km = weeklyDistance(WEEKS, runs, "metric");
    expect(km[0]).toBeCloseTo(18, 9);
    expect(km[1]).toBeCloseTo(26.1, 9);
    expect(km[2]).toBe(0);
  });

  it("gives miles for imperial units", () => {
    const [week] = weeklyDistance(["2026-11-02"], [{ local_date: "2026-11-05", distance_km: 16.09344 }], "imperial");
    expect(week).toBeCloseTo(10, 9);
  });

  it("covers the same days as the load's window", () => {
    expect(windowStart("2026-11-23", 84)).toBe("2026-09-01");
    expect(windowStart("2026-11-23", 1)).toBe("2026-11-23");
  });
});

describe("fetchRuns", () => {
  it("reads every page until there is no next one", async () => {
    const asked: number[] = [];
    const page: RunsPage = async (offset, limit) => {
      asked.push(offset);
      const items = Array.from({ length: Math.min(limit, 450 - offset) }, () => ({ local_date: "2026-11-02", distance_km: 1 }));
      return { items, next_offset: offset + limit < 450 ? offset + limit : null };
    };
    expect(await fetchRuns(page)).toHaveLength(450);
    expect(asked).toEqual([0, 200, 400]);
  });

  it("stops when a page would not move on", async () => {
    let calls = 0;
    const stuck: RunsPage = async () => {
      calls += 1;
      return { items: [{ local_date: "2026-11-02", distance_km: 1 }], next_offset: 0 };
    };
    expect(await fetchRuns(stuck)).toHaveLength(1);
    expect(calls).toBe(1);
  });
});
