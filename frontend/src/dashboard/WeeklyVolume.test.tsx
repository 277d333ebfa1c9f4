import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { athlete } from "../testing/athlete";
import { renderWith, textOf } from "../testing/render";
import { WeeklyVolume } from "./WeeklyVolume";

const week = (week_start: string, load: number): Schemas["WeekPoint"] => ({
  week_start,
  load,
  ctl: 40,
  atl: 45,
  tsb: -5,
  acwr: 1.1,
  monotony: null,
  strain: null,
});

const trainingLoad: Schemas["TrainingLoadOutput"] = {
  scale: "TSS",
  today: {
    day: "2026-11-18",
    load: 0,
    ctl: 40,
    atl: 45,
    tsb: -5,
    acwr: 1.1,
    acwr_ewma: 1.1,
    monotony_7d: null,
    strain_7d: null,
    load_7d: 300,
    ctl_change_7d: null,
  },
  weekly: [week("2026-11-09", 312.4), week("2026-11-16", 95.6)],
  activities_by_method: { trimp: 5 },
  notes: [],
};

const runs = [
  { local_date: "2026-11-10", distance_km: 10 },
  { local_date: "2026-11-15", distance_km: 22.18688 }, // 10 + 22.18688 km = 20 mi
  { local_date: "2026-11-17", distance_km: 8.04672 }, // 5 mi
];

const answers = [
  athlete("imperial"),
  { key: ["training", "load", 84, "week"], data: trainingLoad },
  { key: ["activities", "weekly-distance", "2026-08-27", "2026-11-18"], data: runs },
];

describe("WeeklyVolume", () => {
  it("shows load per week by default", () => {
    const html = renderWith(<WeeklyVolume />, answers);
    expect(html).toContain('aria-label="Load per week"');
    expect(html).toMatch(/aria-pressed="true"[^>]*>Load</);
    expect(textOf(html)).toContain("This week 96 · last week 312");
  });

  it("shows running distance per week in the athlete's units when switched to distance", () => {
    const html = renderWith(<WeeklyVolume initial="distance" />, answers);
    expect(html).toContain('aria-label="Running distance per week (mi)"');
    expect(html).toMatch(/aria-pressed="true"[^>]*>Distance</);
    expect(textOf(html)).toContain("This week 5.0 mi · last week 20.0 mi");
  });
});
