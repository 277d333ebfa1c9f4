// Axis ticks for values in seconds (pace per km or mile, time into an activity): on whole clock steps (0:15,
// 0:30, 1:00 … 1:00:00), as many as fit the axis, so a pace axis reads "4:30 5:00 5:30" and a time axis "5:00
// 10:00", never a lone "8:20" or "3:20 6:40" chosen on a decimal grid.

/** clock steps in seconds, from 5 s to an hour */
export const CLOCK_STEPS = [5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600] as const;

/** Minimum pixels between two y-axis labels, and between two time labels along the x axis. */
export const Y_LABEL_SPACING = 24;
export const X_LABEL_SPACING = 70;

/** Ticks on the smallest clock step that leaves `spacing` pixels between labels over an axis `pixels` tall. */
export function clockTicks(min: number, max: number, pixels: number, spacing = Y_LABEL_SPACING): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min || pixels <= 0) return [];
  const perSecond = pixels / (max - min);
  const step = CLOCK_STEPS.find((s) => s * perSecond >= spacing) ?? 3600;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push(t);
  return ticks;
}
