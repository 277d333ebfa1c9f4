// Races: the calendar with A/B/C priority, each goal against the current prediction.
import { type FormEvent, useState } from "react";
import { api, type Schemas, unwrap } from "../api/client";
import { useUnits } from "../auth/session";
import { Card } from "../ui/feedback";
import { useFields } from "../ui/fields";
import { FormActions } from "../ui/FormActions";
import { ResourceListCard, useResourceChange, useResourceList } from "../ui/ResourceList";
import { type UnitSystem, formatDistance, formatDuration, parseClock } from "../units/units";

const DISTANCES = [
  { label: "5K", m: 5000 },
  { label: "10K", m: 10000 },
  { label: "Half marathon", m: 21097.5 },
  { label: "Marathon", m: 42195 },
];

type Race = Schemas["RaceOutlook"];

export function RacesPage() {
  const units = useUnits();
  const races = useResourceList<Schemas["RaceCalendar"], Race>({
    key: "races",
    fetch: (past) => unwrap(api.GET("/api/v1/races", { params: { query: { include_past: past } } })),
    remove: (r) => unwrap(api.DELETE("/api/v1/races/{race_id}", { params: { path: { race_id: r.id } } })),
  });
  return (
    <div className="stack">
      <h1>Races</h1>
      <ResourceListCard
        state={races}
        title="Race calendar"
        toggleLabel="include past"
        items={(data) => data.races}
        headers={["Race", "Date", "Distance", "Goal", "Prediction"]}
        intro={(data) => (
          <>
            {data.vdot != null && <p className="muted">Current VDOT {data.vdot.toFixed(1)}</p>}
            {data.prediction_note && <p className="muted small">{data.prediction_note}</p>}
          </>
        )}
        empty="No races yet. Add your next one below."
        cells={(r) => <RaceCells race={r} units={units} />}
        describe={(r) => ({ name: r.name, what: `Delete the race "${r.name}" on ${r.date}`, args: { race_id: r.id } })}
      />
      <AddRace />
    </div>
  );
}

function RaceCells({ race: r, units }: { race: Race; units: UnitSystem }) {
  return (
    <>
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
    </>
  );
}

function AddRace() {
  const { values, field, clear } = useFields({ name: "", date: "", distance: "21097.5", priority: "A", goal: "", location: "" });
  const [goalError, setGoalError] = useState<string | null>(null);
  const add = useResourceChange("races", (body: Schemas["AddRaceInput"]) => unwrap(api.POST("/api/v1/races", { body })), () =>
    clear("name", "goal", "location"),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const goal = values.goal.trim() ? parseClock(values.goal) : null;
    if (values.goal.trim() && goal == null) return setGoalError("Write the goal time as h:mm:ss, e.g. 3:29:00.");
    setGoalError(null);
    add.mutate({
      name: values.name,
      date: values.date,
      distance_m: Number(values.distance),
      priority: values.priority,
      goal_time_s: goal,
      location: values.location || null,
    });
  };
  return (
    <Card title="Add a race">
      <form className="stack" onSubmit={submit}>
        <div className="row wrap">
          <label>
            Name
            <input required {...field("name")} />
          </label>
          <label>
            Date
            <input type="date" required {...field("date")} />
          </label>
          <label>
            Distance
            <select {...field("distance")}>
              {DISTANCES.map((d) => (
                <option key={d.m} value={d.m}>
                  {d.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Priority
            <select {...field("priority")}>
              <option value="A">A — the goal race</option>
              <option value="B">B — important</option>
              <option value="C">C — training race</option>
            </select>
          </label>
          <label>
            Goal time <span className="muted">(optional)</span>
            <input placeholder="1:45:00" aria-invalid={goalError != null} {...field("goal")} />
          </label>
          <label>
            Location
            <input {...field("location")} />
          </label>
        </div>
        <FormActions label="Add race" busy={add.isPending} invalid={goalError} error={add.error} />
      </form>
    </Card>
  );
}
