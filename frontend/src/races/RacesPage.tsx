// Races: the calendar with A/B/C priority, each goal against the current prediction.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, type Schemas, unwrap } from "../api/client";
import { useUnits } from "../auth/session";
import { ConfirmAction } from "../ui/ConfirmAction";
import { Card, Empty, ErrorNote, Loading } from "../ui/feedback";
import { formatDistance, formatDuration, parseClock } from "../units/units";

const DISTANCES = [
  { label: "5K", m: 5000 },
  { label: "10K", m: 10000 },
  { label: "Half marathon", m: 21097.5 },
  { label: "Marathon", m: 42195 },
];

export function RacesPage() {
  const units = useUnits();
  const client = useQueryClient();
  const [past, setPast] = useState(false);
  const [deleting, setDeleting] = useState<Schemas["RaceOutlook"] | null>(null);
  const races = useQuery({
    queryKey: ["races", past],
    queryFn: () => unwrap(api.GET("/api/v1/races", { params: { query: { include_past: past } } })),
  });
  const remove = useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE("/api/v1/races/{race_id}", { params: { path: { race_id: id } } })),
    onSettled: () => {
      setDeleting(null);
      void client.invalidateQueries({ queryKey: ["races"] });
    },
  });
  return (
    <div className="stack">
      <h1>Races</h1>
      <Card
        title="Race calendar"
        actions={
          <label className="inline">
            <input type="checkbox" checked={past} onChange={(e) => setPast(e.target.checked)} /> include past
          </label>
        }
      >
        <ErrorNote error={races.error ?? remove.error} />
        {races.isPending && <Loading />}
        {races.data?.vdot != null && <p className="muted">Current VDOT {races.data.vdot.toFixed(1)}</p>}
        {races.data?.prediction_note && <p className="muted small">{races.data.prediction_note}</p>}
        {races.data && races.data.races.length === 0 && <Empty>No races yet. Add your next one below.</Empty>}
        {races.data && races.data.races.length > 0 && (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Race</th>
                  <th scope="col">Date</th>
                  <th scope="col">Distance</th>
                  <th scope="col">Goal</th>
                  <th scope="col">Prediction</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {races.data.races.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <span className={`badge badge-${r.priority}`} title={`${r.priority} race`}>
                        {r.priority}
                      </span>{" "}
                      {r.name} {r.location && <span className="muted small">{r.location}</span>}
                    </td>
                    <td>
                      {r.date} <span className="muted small">({r.days_to_go} d)</span>
                    </td>
                    <td>{formatDistance(r.distance_m, units, 1)}</td>
                    <td>{r.goal_time_s != null ? formatDuration(r.goal_time_s) : "–"}</td>
                    <td>
                      {r.predicted_time ?? "–"}
                      {r.goal_gap_s != null && (
                        <span className={`small ${r.goal_gap_s > 0 ? "note-warn" : "note-ok"}`}>
                          {" "}
                          ({r.goal_gap_s > 0 ? "+" : "−"}
                          {formatDuration(Math.abs(r.goal_gap_s))})
                        </span>
                      )}
                    </td>
                    <td>
                      <button type="button" className="link" onClick={() => setDeleting(r)}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <ConfirmAction
          open={deleting != null}
          what={`Delete the race "${deleting?.name ?? ""}" on ${deleting?.date ?? ""}`}
          args={{ race_id: deleting?.id }}
          busy={remove.isPending}
          onApprove={() => deleting && remove.mutate(deleting.id)}
          onDeny={() => setDeleting(null)}
        />
      </Card>
      <AddRace />
    </div>
  );
}

function AddRace() {
  const client = useQueryClient();
  const [form, setForm] = useState({ name: "", date: "", distance: "21097.5", priority: "A", goal: "", location: "" });
  const [goalError, setGoalError] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: (body: Schemas["AddRaceInput"]) => unwrap(api.POST("/api/v1/races", { body })),
    onSuccess: () => {
      setForm({ ...form, name: "", goal: "", location: "" });
      void client.invalidateQueries({ queryKey: ["races"] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const goal = form.goal.trim() ? parseClock(form.goal) : null;
    if (form.goal.trim() && goal == null) return setGoalError("Write the goal time as h:mm:ss, e.g. 3:29:00.");
    setGoalError(null);
    add.mutate({
      name: form.name,
      date: form.date,
      distance_m: Number(form.distance),
      priority: form.priority,
      goal_time_s: goal,
      location: form.location || null,
    });
  };
  const set = (key: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setForm({ ...form, [key]: e.target.value });
  return (
    <Card title="Add a race">
      <form className="stack" onSubmit={submit}>
        <div className="row wrap">
          <label>
            Name
            <input required value={form.name} onChange={set("name")} />
          </label>
          <label>
            Date
            <input type="date" required value={form.date} onChange={set("date")} />
          </label>
          <label>
            Distance
            <select value={form.distance} onChange={set("distance")}>
              {DISTANCES.map((d) => (
                <option key={d.m} value={d.m}>
                  {d.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Priority
            <select value={form.priority} onChange={set("priority")}>
              <option value="A">A — the goal race</option>
              <option value="B">B — important</option>
              <option value="C">C — training race</option>
            </select>
          </label>
          <label>
            Goal time <span className="muted">(optional)</span>
            <input placeholder="1:45:00" value={form.goal} onChange={set("goal")} />
          </label>
          <label>
            Location
            <input value={form.location} onChange={set("location")} />
          </label>
        </div>
        {goalError && (
          <p className="note note-error" role="alert">
            {goalError}
          </p>
        )}
        <ErrorNote error={add.error} />
        <button type="submit" className="primary" disabled={add.isPending}>
          Add race
        </button>
      </form>
    </Card>
  );
}
