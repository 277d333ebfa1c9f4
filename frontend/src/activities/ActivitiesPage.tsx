// Activities: filters, a paged list in the athlete's units, and FIT upload.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { useUnits } from "../auth/session";
import { Card, Empty, ErrorNote, Loading } from "../ui/feedback";
import { Table } from "../ui/Table";
import { formatDistance, formatDuration, formatElevation, formatPacePerKm } from "../units/units";
import { Upload } from "./Upload";

const PAGE = 25;
const SPORTS = ["", "running", "cycling", "swimming", "walking", "hiking", "training"];

export function ActivitiesPage() {
  const units = useUnits();
  const [params, setParams] = useSearchParams();
  const [q, setQ] = useState(params.get("q") ?? "");
  const filters = {
    sport: params.get("sport") || undefined,
    since: params.get("since") || undefined,
    until: params.get("until") || undefined,
    q: params.get("q") || undefined,
  };
  const offset = Number(params.get("offset") ?? 0);
  const list = useQuery({
    queryKey: ["activities", "list", filters, offset],
    queryFn: () => unwrap(api.GET("/api/v1/activities", { params: { query: { ...filters, limit: PAGE, offset } } })),
    placeholderData: keepPreviousData,
  });
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key !== "offset") next.delete("offset");
    setParams(next, { replace: true });
  };

  return (
    <div className="stack">
      <h1>Activities</h1>
      <Card title="Import FIT files">
        <Upload />
      </Card>
      <Card title="Your activities">
        <form
          className="filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            set("q", q.trim());
          }}
        >
          <label>
            Sport
            <select value={filters.sport ?? ""} onChange={(e) => set("sport", e.target.value)}>
              {SPORTS.map((s) => (
                <option key={s} value={s}>
                  {s || "all"}
                </option>
              ))}
            </select>
          </label>
          <label>
            From
            <input type="date" value={filters.since ?? ""} onChange={(e) => set("since", e.target.value)} />
          </label>
          <label>
            To
            <input type="date" value={filters.until ?? ""} onChange={(e) => set("until", e.target.value)} />
          </label>
          <label>
            Search
            <input type="search" value={q} placeholder="name or device" onChange={(e) => setQ(e.target.value)} />
          </label>
          <button type="submit">Filter</button>
        </form>
        <ErrorNote error={list.error} />
        {list.isPending && <Loading />}
        {list.data && list.data.items.length === 0 && <Empty>No activities match. Import a FIT file above or connect Garmin in Settings.</Empty>}
        {list.data && list.data.items.length > 0 && (
          <Table headers={["Date", "Activity", "Distance", "Time", "Pace", "Avg HR", "Ascent", "Load"]}>
            {list.data.items.map((a) => (
              <tr key={a.id}>
                <td>{a.local_date}</td>
                <td>
                  <Link to={`/activities/${a.id}`}>{a.name ?? a.sport}</Link> <span className="muted small">{a.sport}</span>
                </td>
                <td>{formatDistance(a.distance_km == null ? null : a.distance_km * 1000, units)}</td>
                <td>{formatDuration(a.duration_s)}</td>
                <td>{a.sport === "running" ? formatPacePerKm(a.pace_s_per_km, units) : "–"}</td>
                <td>{a.avg_hr != null ? Math.round(a.avg_hr) : "–"}</td>
                <td>{formatElevation(a.ascent_m, units)}</td>
                <td>{a.training_load != null ? Math.round(a.training_load) : "–"}</td>
              </tr>
            ))}
          </Table>
        )}
        {list.data && list.data.total > PAGE && (
          <div className="row">
            <button type="button" disabled={offset === 0} onClick={() => set("offset", String(Math.max(0, offset - PAGE)))}>
              Newer
            </button>
            <span className="muted">
              {offset + 1}–{Math.min(offset + PAGE, list.data.total)} of {list.data.total}
            </span>
            <button
              type="button"
              disabled={list.data.next_offset == null}
              onClick={() => set("offset", String(list.data.next_offset ?? offset))}
            >
              Older
            </button>
          </div>
        )}
      </Card>
    </div>
  );
}
