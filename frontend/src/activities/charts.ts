// The activity's charts from its samples, in the athlete's units: heart rate, pace (inverted, so faster is
// higher, with labels on whole clock steps per km or mile), elevation and cadence. `key` is the sample field
// the chart needs (the samples' `has` list says which ones the activity recorded).
import type { Schemas } from "../api/client";
import { clockTicks } from "../charts/ticks";
import type { Series } from "../charts/TimeSeries";
import { type UnitSystem, distanceUnit, formatPaceClock, paceSeconds, toElevation } from "../units/units";

export interface ActivityChart {
  key: string;
  series: Series;
  /** reverse the y axis and take its range from the 2nd–98th percentile (pace: a stop does not flatten it) */
  invert?: boolean;
}

type Point = Schemas["ChartPoint"];

export function activityCharts(points: Point[], units: UnitSystem): { x: number[]; charts: ActivityChart[] } {
  const x = points.map((p) => p.t_s);
  const col = (f: (p: Point) => number | null | undefined) => points.map((p) => f(p) ?? null);
  const whole = (v: number) => `${Math.round(v)}`;
  const charts: ActivityChart[] = [
    { key: "heart_rate", series: { label: "Heart rate (bpm)", values: col((p) => p.heart_rate), color: "#d6336c", format: whole } },
    {
      key: "speed_mps",
      invert: true,
      series: {
        label: `Pace (/${distanceUnit(units)})`,
        values: col((p) => paceSeconds(p.speed_mps, units)),
        color: "#0b6bcb",
        format: formatPaceClock,
        ticks: clockTicks,
      },
    },
    {
      key: "altitude_m",
      series: {
        label: `Elevation (${units === "imperial" ? "ft" : "m"})`,
        values: col((p) => (p.altitude_m == null ? null : toElevation(p.altitude_m, units))),
        color: "#2f9e44",
        fill: true,
        format: whole,
      },
    },
    { key: "cadence", series: { label: "Cadence (spm)", values: col((p) => p.cadence), color: "#7048e8", format: whole } },
  ];
  return { x, charts };
}
