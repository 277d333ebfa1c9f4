// The route drawn from the samples' positions: an SVG polyline, no map tiles (works offline).
import { useMemo } from "react";

export interface RoutePoint {
  lat?: number | null;
  lon?: number | null;
}

const SIZE = 400;
const PAD = 12;

/** Equirectangular projection, scaled to fit: fine at the size of a run. */
export function projectRoute(points: readonly RoutePoint[]): { xy: ([number, number] | null)[]; width: number; height: number } | null {
  const valid = points.filter((p): p is { lat: number; lon: number } => p.lat != null && p.lon != null);
  if (valid.length < 2) return null;
  const lats = valid.map((p) => p.lat);
  const lons = valid.map((p) => p.lon);
  const minLat = Math.min(...lats);
  const maxLat = Math.max(...lats);
  const minLon = Math.min(...lons);
  const maxLon = Math.max(...lons);
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const w = Math.max((maxLon - minLon) * k, 1e-9);
  const h = Math.max(maxLat - minLat, 1e-9);
  const scale = (SIZE - 2 * PAD) / Math.max(w, h);
  const width = w * scale + 2 * PAD;
  const height = h * scale + 2 * PAD;
  const xy = points.map((p): [number, number] | null =>
    p.lat == null || p.lon == null ? null : [PAD + (p.lon - minLon) * k * scale, PAD + (maxLat - p.lat) * scale],
  );
  return { xy, width, height };
}

export function RouteMap({ points, highlight }: { points: readonly RoutePoint[]; highlight?: number | null }) {
  const projected = useMemo(() => projectRoute(points), [points]);
  if (!projected) return <p className="muted">No GPS positions in this activity.</p>;
  const { xy, width, height } = projected;
  const path = xy
    .map((p, i) => (p ? `${i === 0 || !xy[i - 1] ? "M" : "L"}${p[0].toFixed(1)},${p[1].toFixed(1)}` : ""))
    .join("");
  const first = xy.find((p) => p);
  const last = [...xy].reverse().find((p) => p);
  const marker = highlight != null ? xy[highlight] : null;
  return (
    <div className="route">
      <svg viewBox={`0 0 ${width.toFixed(0)} ${height.toFixed(0)}`} role="img" aria-label="Route map">
        <path d={path} fill="none" stroke="var(--accent)" strokeWidth={3} strokeLinejoin="round" strokeLinecap="round" />
        {first && <circle cx={first[0]} cy={first[1]} r={6} fill="var(--ok)"><title>start</title></circle>}
        {last && <circle cx={last[0]} cy={last[1]} r={6} fill="var(--bad)"><title>finish</title></circle>}
        {marker && <circle cx={marker[0]} cy={marker[1]} r={7} fill="none" stroke="var(--text)" strokeWidth={3} />}
      </svg>
    </div>
  );
}
