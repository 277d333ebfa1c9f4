import type uPlot from "uplot";
import { describe, expect, it } from "vitest";
import { projectRoute } from "./RouteMap";
import { chartOptions, robustRange } from "./TimeSeries";

describe("robustRange", () => {
  it("ignores a few extreme values (a stop in a pace chart)", () => {
    const values = [...Array.from({ length: 200 }, (_, i) => 300 + (i % 10)), 4000, null, 3990];
    const [lo, hi] = robustRange(values) ?? [0, 0];
    expect(lo).toBeLessThan(300);
    expect(hi).toBeGreaterThan(309);
    expect(hi).toBeLessThan(400);
  });
  it("needs two values", () => {
    expect(robustRange([null, 5])).toBeNull();
  });
});

describe("projectRoute", () => {
  it("keeps the aspect ratio and puts north up", () => {
    const route = projectRoute([
      { lat: 60, lon: 10 },
      { lat: 60.01, lon: 10 },
      { lat: 60.01, lon: 10.02 },
      { lat: null, lon: null },
    ]);
    expect(route).not.toBeNull();
    const [a, b, c, gap] = route!.xy;
    expect(gap).toBeNull();
    expect(b![1]).toBeLessThan(a![1]); // further north is higher on screen
    // at 60°N a degree of longitude is half a degree of latitude: 0.02° lon ≈ 0.01° lat
    expect(Math.abs(c![0] - b![0]) / Math.abs(a![1] - b![1])).toBeCloseTo(1, 1);
  });
  it("needs at least two positions", () => {
    expect(projectRoute([{ lat: 1, lon: 1 }])).toBeNull();
  });
});

describe("bar charts", () => {
  const bars = chartOptions({ title: "Load per week", time: true, series: [{ label: "Load", values: [180, 240, 160], color: "#000", bars: true }] }, 600);
  const plot = { data: [[0, 604_800, 1_209_600]] } as unknown as uPlot;

  it("start their value axis at zero, so a bar's height is its value", () => {
    const range = bars.scales?.y?.range as uPlot.Range.Function;
    const [lo, hi] = range(plot, 160, 240, "y");
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThan(240);
  });

  it("leave half a week at each end, so the first and last bars are whole", () => {
    const range = bars.scales?.x?.range as uPlot.Range.Function;
    expect(range(plot, 0, 1_209_600, "x")).toEqual([-302_400, 1_209_600 + 302_400]);
  });

  it("leave line charts' ranges to uPlot", () => {
    const lines = chartOptions({ title: "CTL", series: [{ label: "CTL", values: [1, 2], color: "#000" }] }, 600);
    expect(lines.scales?.y?.range).toBeUndefined();
    expect(lines.scales?.x?.range).toBeUndefined();
  });
});
