// One activity: headline figures, the route, HR / pace / elevation / cadence charts sharing one crosshair,
// laps, time in heart-rate zones and the gear used.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api, type Schemas, unwrap } from "../api/client";
import { useUnits } from "../auth/session";
import { RouteMap } from "../charts/RouteMap";
import { type Series, TimeSeries } from "../charts/TimeSeries";
import { Card, Empty, ErrorNote, Loading } from "../ui/feedback";
import {
  type UnitSystem,
  formatDistance,
  formatDuration,
  formatElevation,
  formatPacePerKm,
  formatPaceSeconds,
  paceSeconds,
  toElevation,
} from "../units/units";

const CHART_POINTS = 2000;

function chartsFor(points: Schemas["ChartPoint"][], units: UnitSystem) {
  const x = points.map((p) => p.t_s);
  const col = (f: (p: Schemas["ChartPoint"]) => number | null | undefined) => points.map((p) => f(p) ?? null);
  const charts: { key: string; series: Series; invert?: boolean }[] = [
    { key: "heart_rate", series: { label: "Heart rate (bpm)", values: col((p) => p.heart_rate), color: "#d6336c", format: (v) => `${Math.round(v)}` } },
    {
      key: "speed_mps",
      invert: true,
      series: {
        label: `Pace (/${units === "imperial" ? "mi" : "km"})`,
        values: col((p) => paceSeconds(p.speed_mps, units)),
        color: "#0b6bcb",
        format: (v) => formatPaceSeconds(v, units).split(" ")[0] ?? "",
      },
    },
    {
      key: "altitude_m",
      series: { label: `Elevation (${units === "imperial" ? "ft" : "m"})`, values: col((p) => (p.altitude_m == null ? null : toElevation(p.altitude_m, units))), color: "#2f9e44", fill: true, format: (v) => `${Math.round(v)}` },
    },
    { key: "cadence", series: { label: "Cadence (spm)", values: col((p) => p.cadence), color: "#7048e8", format: (v) => `${Math.round(v)}` } },
  ];
  return { x, charts };
}

export function ActivityDetailPage() {
  const { activityId } = useParams();
  const id = Number(activityId);
  const units = useUnits();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [hover, setHover] = useState<number | null>(null);
  const activity = useQuery({
    queryKey: ["activities", "detail", id],
    queryFn: () => unwrap(api.GET("/api/v1/activities/{activity_id}", { params: { path: { activity_id: id } } })),
  });
  const samples = useQuery({
    queryKey: ["activities", "samples", id],
    queryFn: () =>
      unwrap(api.GET("/api/v1/activities/{activity_id}/samples", { params: { path: { activity_id: id }, query: { points: CHART_POINTS } } })),
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/activities/{activity_id}", { params: { path: { activity_id: id } } })),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["activities"] });
      navigate("/activities");
    },
  });
  const charts = useMemo(() => (samples.data ? chartsFor(samples.data.points, units) : null), [samples.data, units]);

  if (activity.isPending) return <Loading />;
  if (activity.isError) return <ErrorNote error={activity.error} title="Could not open the activity" />;
  const a = activity.data;
  const has = new Set(samples.data?.has ?? []);
  const xFormat = (v: number) => formatDuration(v);

  return (
    <div className="stack">
      <p>
        <Link to="/activities">← Activities</Link>
      </p>
      <h1>{a.name ?? a.sport}</h1>
      <p className="muted">
        {new Date(a.start_time).toLocaleString()} · {a.sport} · {a.source}
        {a.device ? ` · ${a.device}` : ""}
      </p>
      <div className="stats card">
        <Stat label="Distance" value={formatDistance(a.distance_km == null ? null : a.distance_km * 1000, units)} />
        <Stat label="Time" value={formatDuration(a.duration_s)} />
        <Stat label="Pace" value={formatPacePerKm(a.pace_s_per_km, units)} />
        <Stat label="Avg HR" value={a.avg_hr != null ? `${Math.round(a.avg_hr)} bpm` : "–"} />
        <Stat label="Ascent" value={formatElevation(a.ascent_m, units)} />
        <Stat label="Cadence" value={a.avg_cadence != null ? `${Math.round(a.avg_cadence)} spm` : "–"} />
        <Stat label="Load" value={a.training_load != null ? `${Math.round(a.training_load)} (${a.load_method ?? ""})` : "–"} />
      </div>
      <div className="grid">
        <Card title="Route">
          {samples.data ? <RouteMap points={samples.data.points} highlight={hover} /> : <Loading />}
        </Card>
        <Card title="Heart-rate zones">
          {a.hr_zones ? (
            <ZonesTable zones={a.hr_zones} />
          ) : (
            <Empty>No heart rate, or no max HR yet: set it in Settings.</Empty>
          )}
        </Card>
      </div>
      <Card title="Charts" className="charts">
        <ErrorNote error={samples.error} />
        {samples.isPending && <Loading label="Loading samples…" />}
        {charts &&
          charts.charts
            .filter((c) => has.has(c.key))
            .map((c) => (
              <TimeSeries
                key={c.key}
                title={c.series.label}
                x={charts.x}
                series={[c.series]}
                xFormat={xFormat}
                syncKey={`activity-${id}`}
                invert={c.invert}
                robust={c.invert}
                height={150}
                onCursor={setHover}
              />
            ))}
        {samples.data && samples.data.points.length === 0 && <Empty>This activity has no samples.</Empty>}
      </Card>
      <Card title="Laps">
        {a.laps.length === 0 ? (
          <Empty>No laps recorded.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Lap</th>
                  <th scope="col">Distance</th>
                  <th scope="col">Time</th>
                  <th scope="col">Pace</th>
                  <th scope="col">Avg HR</th>
                </tr>
              </thead>
              <tbody>
                {a.laps.map((lap) => (
                  <tr key={lap.index}>
                    <td>{lap.index + 1}</td>
                    <td>{formatDistance(lap.distance_km == null ? null : lap.distance_km * 1000, units)}</td>
                    <td>{formatDuration(lap.duration_s)}</td>
                    <td>{formatPacePerKm(lap.pace_s_per_km, units)}</td>
                    <td>{lap.avg_hr != null ? Math.round(lap.avg_hr) : "–"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <Card title="Gear">
        {a.gear.length === 0 ? (
          <Empty>
            No gear linked. Add shoes in <Link to="/gear">Gear</Link>.
          </Empty>
        ) : (
          <ul>
            {a.gear.map((g) => (
              <li key={g.id}>
                {g.name} <span className="muted">({g.kind}{g.is_retired ? ", retired" : ""})</span>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <div>
        <ErrorNote error={remove.error} />
        <button
          type="button"
          className="danger"
          disabled={remove.isPending}
          onClick={() => window.confirm("Delete this activity and its samples? This cannot be undone.") && remove.mutate()}
        >
          Delete activity
        </button>
      </div>
    </div>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="stat">
      <span className="muted small">{label}</span>
      <b>{value}</b>
    </div>
  );
}

function ZonesTable({ zones }: { zones: Schemas["HeartRateZones"] }) {
  const total = zones.zones.reduce((s, z) => s + z.seconds, 0) || 1;
  return (
    <table>
      <caption className="muted small">
        max HR {Math.round(zones.max_hr)} ({zones.anchor})
      </caption>
      <tbody>
        {zones.zones.map((z) => (
          <tr key={z.name}>
            <th scope="row">{z.name}</th>
            <td className="muted small">
              {z.low_bpm ?? "…"}–{z.high_bpm ?? "…"}
            </td>
            <td style={{ width: "45%" }}>
              <div style={{ background: "var(--accent)", height: "0.6rem", width: `${(100 * z.seconds) / total}%`, borderRadius: 3 }} />
            </td>
            <td>{formatDuration(z.seconds)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
