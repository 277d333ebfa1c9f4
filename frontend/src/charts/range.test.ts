import { describe, expect, it } from "vitest";
import { projectRoute } from "./RouteMap";
import { robustRange } from "./TimeSeries";

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
