import type uPlot from "uplot";
import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { chartOptions } from "../charts/TimeSeries";
import { activityCharts } from "./charts";

// a 30-minute run around 5:00/km (3.33 m/s) with a 4:30/km surge and a stop
const points: Schemas["ChartPoint"][] = Array.from({ length: 1800 }, (_, t) => ({
  t_s: t,
  speed_mps: t > 600 && t < 700 ? 0 : t > 1200 && t < 1500 ? 1000 / 270 : 1000 / (300 + (t % 20) - 10),
  heart_rate: 150,
}));

/** The pace chart's y axis as the activity page draws it: its labels over an axis `pixels` tall. */
function paceAxisLabels(units: "metric" | "imperial", pixels: number) {
  const { charts } = activityCharts(points, units);
  const pace = charts.find((c) => c.key === "speed_mps");
  if (!pace) throw new Error("no pace chart");
  const opts = chartOptions({ series: [pace.series], title: pace.series.label, invert: pace.invert, robust: pace.invert, height: 170 }, 800);
  const axis = opts.axes?.[1];
  const range = opts.scales?.y?.range as [number, number];
  const plot = { bbox: { height: pixels } } as uPlot; // pxRatio is 1 outside a browser
  const ticks = (axis?.splits as (u: uPlot, i: number, min: number, max: number) => number[])(plot, 1, range[0], range[1]);
  const values = axis?.values as (u: uPlot, t: number[]) => string[];
  return { title: pace.series.label, dir: opts.scales?.y?.dir, labels: values(plot, ticks) };
}

describe("activity pace chart", () => {
  it("reads faster up, with several m:ss labels per km on whole clock steps", () => {
    const { title, dir, labels } = paceAxisLabels("metric", 90);
    expect(title).toBe("Pace (/km)");
    expect(dir).toBe(-1);
    expect(labels.length).toBeGreaterThanOrEqual(3);
    for (const label of labels) expect(label).toMatch(/^\d+:(00|15|30|45)$/);
    expect(labels).toContain("5:00");
  });

  it("labels per mile for imperial units", () => {
    const { title, labels } = paceAxisLabels("imperial", 90);
    expect(title).toBe("Pace (/mi)");
    expect(labels.length).toBeGreaterThanOrEqual(3);
    expect(labels).toContain("8:00"); // 5:00/km is 8:03/mi
  });
});
