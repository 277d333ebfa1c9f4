// uPlot (canvas; draws 10 000-point series in milliseconds) behind a small React wrapper: sized to its
// container, optionally sharing its crosshair with every chart of the same `syncKey`.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { Y_LABEL_SPACING } from "./ticks";

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
  /** the y scale this series uses (series of one scale share an axis) */
  scale?: string;
  format?: (v: number) => string;
  /** where the axis labels go, given the scale's range and the axis height in CSS pixels (default: uPlot's) */
  ticks?: (min: number, max: number, pixels: number) => number[];
  fill?: boolean;
  bars?: boolean;
}

export interface TimeSeriesProps {
  /** x values: seconds since start, or unix seconds when `time` */
  x: number[];
  series: Series[];
  title: string;
  height?: number;
  time?: boolean;
  xFormat?: (v: number) => string;
  /** where the x labels go, given the x range and the plot width in CSS pixels (default: uPlot's) */
  xTicks?: (min: number, max: number, pixels: number) => number[];
  syncKey?: string;
  /** reverse the y axis (pace: faster is higher) */
  invert?: boolean;
  onCursor?: (index: number | null) => void;
  /** y range from the 2nd to the 98th percentile, so a stop does not flatten the rest (pace) */
  robust?: boolean;
  xLabel?: string;
}

/** The [2%, 98%] quantiles of the finite values, padded by 5 %. */
export function robustRange(values: readonly (number | null)[]): [number, number] | null {
  const sorted = values.filter((v): v is number => v != null && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length < 2) return null;
  const q = (f: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(f * (sorted.length - 1))))] ?? 0;
  const lo = q(0.02);
  const hi = q(0.98);
  const pad = Math.max((hi - lo) * 0.05, 1);
  return [lo - pad, hi + pad];
}

/** A bar's height is its value: its axis starts at zero (a little headroom above the tallest). */
export const fromZero: uPlot.Range.Function = (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1];

/** The x range of bars: half a step past the first and last, so neither bar is cut in half at the edge. */
export const halfStepWider: uPlot.Range.Function = (u, min, max) => {
  const xs = u.data[0];
  const step = xs.length > 1 ? (xs[1] ?? 0) - (xs[0] ?? 0) : 1;
  return [min - step / 2, max + step / 2];
};

/** The uPlot options at `width` pixels; `cursor` reads the current `onCursor` (a ref, so a new one needs no redraw). */
export function chartOptions(
  { series, title, height = 180, time = false, xFormat, xTicks, syncKey, invert, robust, xLabel = "Time" }: Omit<TimeSeriesProps, "x" | "onCursor">,
  width: number,
  cursor?: () => TimeSeriesProps["onCursor"],
): uPlot.Options {
  const bars = series.some((s) => s.bars);
  const scales: uPlot.Scales = { x: { time, ...(bars ? { range: halfStepWider } : {}) } };
  for (const s of series) {
    const range = robust ? robustRange(s.values) : s.bars ? fromZero : null;
    scales[s.scale ?? "y"] = { dir: invert ? -1 : 1, ...(range ? { range } : {}) };
  }
  const cssPixels = (canvas: number) => canvas / (uPlot.pxRatio || 1);
  const axes: uPlot.Axis[] = [
    {
      values: xFormat ? (_u, ticks) => ticks.map((t) => xFormat(t)) : undefined,
      splits: xTicks ? (u, _axis, min, max) => xTicks(min, max, cssPixels(u.bbox.width)) : undefined,
      stroke: "currentColor",
    },
  ];
  const seen = new Set<string>();
  for (const s of series) {
    const scale = s.scale ?? "y";
    if (seen.has(scale)) continue;
    seen.add(scale);
    const { format, ticks } = s;
    axes.push({
      scale,
      side: seen.size === 1 ? 3 : 1,
      stroke: "currentColor",
      grid: { show: seen.size === 1 },
      size: 56,
      space: Y_LABEL_SPACING,
      splits: ticks ? (u, _axis, min, max) => ticks(min, max, cssPixels(u.bbox.height)) : undefined,
      values: format ? (_u, values) => values.map((t) => format(t)) : undefined,
    });
  }
  return {
    title,
    width,
    height,
    scales,
    axes,
    legend: { live: true },
    cursor: { sync: syncKey ? { key: syncKey } : undefined, drag: { x: true, y: false } },
    series: [
      { label: xLabel, value: xFormat ? (_u, v) => (v == null ? "–" : xFormat(v)) : undefined },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        scale: s.scale ?? "y",
        width: 1.5,
        fill: s.fill ? `${s.color}33` : undefined,
        paths: s.bars ? uPlot.paths.bars?.({ size: [0.7, 40] }) : undefined,
        value: s.format ? (_u: uPlot, v: number | null) => (v == null ? "–" : (s.format as (n: number) => string)(v)) : undefined,
        spanGaps: false,
        points: { show: false },
      })),
    ],
    hooks: {
      setCursor: [(u) => cursor?.()?.(u.cursor.idx ?? null)],
    },
  };
}

export function TimeSeries(props: TimeSeriesProps) {
  const { x, series, title, height = 180, time, xFormat, xTicks, syncKey, invert, onCursor, robust, xLabel } = props;
  const host = useRef<HTMLDivElement>(null);
  const cursorCb = useRef(onCursor);
  cursorCb.current = onCursor;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const opts = chartOptions({ series, title, height, time, xFormat, xTicks, syncKey, invert, robust, xLabel }, el.clientWidth || 600, () => cursorCb.current);
    const plot = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [x, series, title, height, time, xFormat, xTicks, syncKey, invert, robust, xLabel]);

  return <div ref={host} className="chart" role="img" aria-label={title} />;
}
