import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { athlete } from "../testing/athlete";
import { renderWith, textOf } from "../testing/render";
import { ActivityDetailPage } from "./ActivityDetailPage";

const activity = (laps: Schemas["LapOut"][]): Schemas["ActivityView"] => ({
  id: 12,
  name: "Morning run",
  sport: "running",
  source: "upload",
  device: null,
  start_time: "2026-11-20T07:00:00Z",
  local_date: "2026-11-20",
  distance_km: 2,
  duration_s: 600,
  pace_s_per_km: 300,
  avg_hr: 150,
  max_hr: 171,
  ascent_m: 10,
  avg_cadence: 170,
  avg_power: null,
  calories: null,
  training_load: 20,
  load_method: "trimp",
  sample_count: 600,
  hr_zones: null,
  gear: [],
  legs: [],
  laps,
});

const page = (a: Schemas["ActivityView"]) =>
  renderWith(<ActivityDetailPage />, [athlete("metric"), { key: ["activities", "detail", 12], data: a }], {
    path: "/activities/:activityId",
    url: "/activities/12",
  });

describe("ActivityDetailPage laps", () => {
  it("shows each lap's average heart rate with its unit", () => {
    const text = textOf(
      page(
        activity([
          { index: 0, distance_km: 1, duration_s: 310, pace_s_per_km: 310, avg_hr: 144.4 },
          { index: 1, distance_km: 1, duration_s: 290, pace_s_per_km: 290, avg_hr: 155.6 },
        ]),
      ),
    );
    expect(text).toContain("Lap Distance Time Pace Avg HR 1 1.00 km 5:10 5:10 /km 144 bpm 2 1.00 km 4:50 4:50 /km 156 bpm");
  });

  it("says the recording has no heart rate per lap instead of a column of dashes", () => {
    const html = page(activity([{ index: 0, distance_km: 2, duration_s: 600, pace_s_per_km: 300, avg_hr: null }]));
    expect(textOf(html)).toContain("This recording has no heart rate per lap. Lap Distance Time Pace 1 2.00 km 10:00 5:00 /km");
    expect(html).not.toContain('<th scope="col">Avg HR</th>');
  });
});
