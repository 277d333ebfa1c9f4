import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { athlete } from "../testing/athlete";
import { renderWith, textOf } from "../testing/render";
import { WeeklyVolume } from "./WeeklyVolume";

const week = (week_start: string, load: number, distance_km: number): Schemas["WeekPoint"] => ({
  week_start,
  load,
  distance_km,
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
  weekly: [week("2026-11-09", 312.4, 32.19), week("2026-11-16", 95.6, 8.05)], // 20 mi and 5 mi, as the server rounds km
  activities_by_method: { trimp: 5 },
  notes: [],
};

const load = { key: ["training", "load", 84, "week"], data: trainingLoad };
const answers = [athlete("imperial"), load];

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

  it("shows the server's weekly kilometres as they are for metric units", () => {
    const html = renderWith(<WeeklyVolume initial="distance" />, [athlete("metric"), load]);
    expect(html).toContain('aria-label="Running distance per week (km)"');
    expect(textOf(html)).toContain("This week 8.1 km · last week 32.2 km");
  });
});
