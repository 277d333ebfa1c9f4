import { describe, expect, it } from "vitest";
import { formatDuration, formatPaceClock } from "../units/units";
import { X_LABEL_SPACING, clockTicks } from "./ticks";

describe("clockTicks", () => {
  it("puts pace labels on whole clock steps, as many as fit", () => {
    // 4:15–5:45 per km over a 100 px axis: 30 s steps are 33 px apart
    expect(clockTicks(255, 345, 100).map(formatPaceClock)).toEqual(["4:30", "5:00", "5:30"]);
    // a taller axis, finer steps
    expect(clockTicks(255, 345, 200).map(formatPaceClock)).toEqual(["4:15", "4:30", "4:45", "5:00", "5:15", "5:30", "5:45"]);
  });

  it("takes a coarser step for a wide range and never crowds the labels", () => {
    const ticks = clockTicks(200, 900, 100); // a run with walking breaks
    expect(ticks.map(formatPaceClock)).toEqual(["5:00", "10:00", "15:00"]);
    for (const [a, b] of ticks.slice(1).map((t, i) => [ticks[i] ?? 0, t] as const)) {
      expect(((b - a) / 700) * 100).toBeGreaterThanOrEqual(24);
    }
  });

  it("puts time-into-the-run labels on whole minutes, coarser for a long run", () => {
    const ticks = (min: number, max: number) => clockTicks(min, max, 900, X_LABEL_SPACING).map(formatDuration);
    expect(ticks(0, 2880)).toEqual(["0:00", "5:00", "10:00", "15:00", "20:00", "25:00", "30:00", "35:00", "40:00", "45:00"]);
    expect(ticks(0, 3 * 3600 + 600)).toEqual([
      "0:00", "15:00", "30:00", "45:00", "1:00:00", "1:15:00", "1:30:00", "1:45:00", "2:00:00", "2:15:00", "2:30:00", "2:45:00", "3:00:00",
    ]);
  });

  it("gives nothing for an empty or broken range", () => {
    expect(clockTicks(300, 300, 100)).toEqual([]);
    expect(clockTicks(Number.NaN, 300, 100)).toEqual([]);
    expect(clockTicks(200, 300, 0)).toEqual([]);
  });
});
