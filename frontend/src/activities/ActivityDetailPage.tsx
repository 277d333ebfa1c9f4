// One activity: headline figures, the route, HR / pace / elevation / cadence charts sharing one crosshair,
// laps, time in heart-rate zones and the gear used.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api, type Schemas, unwrap } from "../api/client";
import { useUnits } from "../auth/session";
import { RouteMap } from "../charts/RouteMap";
import { X_LABEL_SPACING, clockTicks } from "../charts/ticks";
import { TimeSeries } from "../charts/TimeSeries";
import { ExecutionCard } from "../execution/ExecutionCard";
import { Card, Empty, ErrorNote, Loading } from "../ui/feedback";
import { Table } from "../ui/Table";
import { type UnitSystem, formatDistance, formatDuration, formatElevation, formatPacePerKm } from "../units/units";
import { activityCharts } from "./charts";
import { formatLapHeartRate, lapHeartRateHeader } from "./laps";

const CHART_POINTS = 2000;
// module-level, so a re-render (the shared crosshair moving) does not redraw the charts
const timeTicks = (min: number, max: number, pixels: number) => clockTicks(min, max, pixels, X_LABEL_SPACING);
const xFormat = (v: number) => formatDuration(v);

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
  // the charts and their series lists are memoized: a new list would redraw every chart on each crosshair move,
  // and a redrawn chart drops its crosshair (the route marker would blink off)
  const charts = useMemo(() => {
    if (!samples.data) return null;
    const has = new Set(samples.data.has);
    const { x, charts: all } = activityCharts(samples.data.points, units);
    return { x, charts: all.filter((c) => has.has(c.key)).map((c) => ({ ...c, series: [c.series] })) };
  }, [samples.data, units]);

  if (activity.isPending) return <Loading />;
  if (activity.isError) return <ErrorNote error={activity.error} title="Could not open the activity" />;
  const a = activity.data;

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
      <ExecutionCard activityId={id} />
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
          charts.charts.map((c) => (
            <TimeSeries
              key={c.key}
              title={c.series[0]?.label ?? c.key}
              x={charts.x}
              series={c.series}
              xFormat={xFormat}
              xTicks={timeTicks}
              syncKey={`activity-${id}`}
              invert={c.invert}
              robust={c.invert}
              height={170}
              onCursor={setHover}
            />
          ))}
        {samples.data && samples.data.points.length === 0 && <Empty>This activity has no samples.</Empty>}
      </Card>
      <Card title="Laps">
        <LapsTable laps={a.laps} units={units} />
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

function LapsTable({ laps, units }: { laps: Schemas["LapOut"][]; units: UnitSystem }) {
  if (laps.length === 0) return <Empty>No laps recorded.</Empty>;
  const hr = lapHeartRateHeader(laps);
  return (
    <Table
      headers={["Lap", "Distance", "Time", "Pace", ...(hr ? [hr] : [])]}
      caption={hr ? undefined : "This recording has no heart rate per lap."}
    >
      {laps.map((lap) => (
        <tr key={lap.index}>
          <td>{lap.index + 1}</td>
          <td>{formatDistance(lap.distance_km == null ? null : lap.distance_km * 1000, units)}</td>
          <td>{formatDuration(lap.duration_s)}</td>
          <td>{formatPacePerKm(lap.pace_s_per_km, units)}</td>
          {hr && <td>{formatLapHeartRate(lap)}</td>}
        </tr>
      ))}
    </Table>
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
