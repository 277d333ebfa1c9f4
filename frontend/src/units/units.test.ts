import { describe, expect, it } from "vitest";
import {
  formatDistance,
  formatDuration,
  formatElevation,
  formatPace,
  formatPacePerKm,
  fromDistance,
  paceSeconds,
  parseClock,
  toDistance,
} from "./units";

describe("units", () => {
  it("converts distances both ways", () => {
    expect(formatDistance(10_000, "metric")).toBe("10.00 km");
    expect(formatDistance(1609.344, "imperial")).toBe("1.00 mi");
    expect(formatDistance(42_195, "imperial", 1)).toBe("26.2 mi");
    for (const units of ["metric", "imperial"] as const) {
      expect(fromDistance(toDistance(12_345, units), units)).toBeCloseTo(12_345, 6);
    }
    expect(formatDistance(null, "metric")).toBe("–");
  });

  it("formats pace per km and per mile from speed", () => {
    expect(formatPace(1000 / 300, "metric")).toBe("5:00 /km"); // 5:00/km
    expect(formatPace(1000 / 300, "imperial")).toBe("8:03 /mi"); // 5:00/km = 8:02.8/mi
    expect(formatPace(0, "metric")).toBe("–");
    expect(paceSeconds(0.1, "metric")).toBeNull();
    expect(formatPace(1000 / 299.6, "metric")).toBe("5:00 /km"); // rounds, never "4:60"
    expect(formatPacePerKm(240, "imperial")).toBe("6:26 /mi");
  });

  it("formats durations and parses clock input", () => {
    expect(formatDuration(59.6)).toBe("1:00");
    expect(formatDuration(3723)).toBe("1:02:03");
    expect(formatDuration(-1)).toBe("–");
    expect(parseClock("3:30:00")).toBe(12_600);
    expect(parseClock("4:30")).toBe(270);
    expect(parseClock("45")).toBe(45);
    expect(parseClock("4:75")).toBeNull();
    expect(parseClock("abc")).toBeNull();
    expect(parseClock("")).toBeNull();
  });

  it("shows elevation in metres or feet", () => {
    expect(formatElevation(100, "metric")).toBe("100 m");
    expect(formatElevation(100, "imperial")).toBe("328 ft");
  });
});
