// Forms that create things: a periodized plan to a race, and a single structured workout.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, type Schemas, unwrap } from "../api/client";
import { useUnits } from "../auth/session";
import { Card } from "../ui/feedback";
import { FormActions } from "../ui/FormActions";
import { distanceUnit, fromDistance, parseClock } from "../units/units";
import { addDays, isoDay } from "./calendar";
import { WorkoutView } from "./WorkoutView";

type Distance = NonNullable<Schemas["GeneratePlanInput"]["distance"]>;
type LongRunDay = NonNullable<Schemas["GeneratePlanInput"]["long_run_day"]>;
type WorkoutKind = Schemas["GenerateWorkoutInput"]["kind"];

const DISTANCES: Distance[] = ["5k", "10k", "half", "marathon"];
const DAYS: LongRunDay[] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const KINDS: WorkoutKind[] = ["easy", "recovery", "long", "tempo", "intervals", "hills", "strides", "race_pace"];

export function GeneratePlanForm() {
  const units = useUnits();
  const client = useQueryClient();
  const races = useQuery({ queryKey: ["races", false], queryFn: () => unwrap(api.GET("/api/v1/races")) });
  const [form, setForm] = useState({
    race_id: "",
    distance: "half" as Distance,
    race_date: addDays(isoDay(new Date()), 84),
    goal: "",
    days_per_week: 4,
    long_run_day: "sunday" as LongRunDay,
    current: "",
    replace: false,
  });
  const [goalError, setGoalError] = useState<string | null>(null);
  const generate = useMutation({
    mutationFn: (body: Schemas["GeneratePlanInput"]) => unwrap(api.POST("/api/v1/plans/generate", { body })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["plans"] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const goal = form.goal.trim() ? parseClock(form.goal) : null;
    if (form.goal.trim() && goal == null) {
      setGoalError("Write the goal time as h:mm:ss, e.g. 1:45:00.");
      return;
    }
    setGoalError(null);
    const race = form.race_id ? { race_id: Number(form.race_id) } : { distance: form.distance, race_date: form.race_date };
    const current = form.current.trim() ? fromDistance(Number(form.current), units) / 1000 : null;
    generate.mutate({
      ...race,
      goal_time_s: goal,
      days_per_week: form.days_per_week,
      long_run_day: form.long_run_day,
      current_weekly_km: current,
      replace_active: form.replace,
    });
  };
  return (
    <Card title="Generate a plan">
      <form className="stack" onSubmit={submit}>
        <label>
          Race
          <select value={form.race_id} onChange={(e) => setForm({ ...form, race_id: e.target.value })}>
            <option value="">Not in my races: choose distance and date</option>
            {races.data?.races.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} ({r.date})
              </option>
            ))}
          </select>
        </label>
        {!form.race_id && (
          <div className="row wrap">
            <label>
              Distance
              <select value={form.distance} onChange={(e) => setForm({ ...form, distance: e.target.value as Distance })}>
                {DISTANCES.map((d) => (
                  <option key={d}>{d}</option>
                ))}
              </select>
            </label>
            <label>
              Race date
              <input type="date" required value={form.race_date} onChange={(e) => setForm({ ...form, race_date: e.target.value })} />
            </label>
          </div>
        )}
        <div className="row wrap">
          <label>
            Goal time <span className="muted">(optional)</span>
            <input placeholder="1:45:00" value={form.goal} onChange={(e) => setForm({ ...form, goal: e.target.value })} aria-invalid={goalError != null} />
          </label>
          <label>
            Runs per week
            <input
              type="number"
              min={3}
              max={7}
              value={form.days_per_week}
              onChange={(e) => setForm({ ...form, days_per_week: Number(e.target.value) })}
            />
          </label>
          <label>
            Weekly distance now ({distanceUnit(units)}) <span className="muted">(optional; default: your last weeks)</span>
            <input type="number" min={0} value={form.current} onChange={(e) => setForm({ ...form, current: e.target.value })} />
          </label>
          <label>
            Long run on
            <select value={form.long_run_day} onChange={(e) => setForm({ ...form, long_run_day: e.target.value as LongRunDay })}>
              {DAYS.map((d) => (
                <option key={d}>{d}</option>
              ))}
            </select>
          </label>
        </div>
        <label className="row">
          <input type="checkbox" checked={form.replace} onChange={(e) => setForm({ ...form, replace: e.target.checked })} />
          Replace my active plan, if I have one (it is archived)
        </label>
        <FormActions
          label="Generate plan"
          busy={generate.isPending}
          busyLabel="Generating…"
          invalid={goalError}
          error={generate.error}
          errorTitle="No plan"
        />
        {generate.data && (
          <p className="note note-ok" role="status">
            Plan “{generate.data.name}”: {generate.data.weeks.length} weeks to {generate.data.race_date}
            {generate.data.goal_time ? `, goal ${generate.data.goal_time}` : ""}. It is on the calendar.
          </p>
        )}
      </form>
    </Card>
  );
}

export function GenerateWorkoutForm() {
  const units = useUnits();
  const [form, setForm] = useState({ kind: "intervals" as WorkoutKind, distance: "", date: addDays(isoDay(new Date()), 1), vdot: "" });
  const generate = useMutation({
    mutationFn: (body: Schemas["GenerateWorkoutInput"]) => unwrap(api.POST("/api/v1/workouts/generate", { body })),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const distance = form.distance.trim() ? Number(form.distance) : null;
    generate.mutate({
      kind: form.kind,
      distance_km: distance != null && Number.isFinite(distance) ? fromDistance(distance, units) / 1000 : null,
      date: form.date || null,
      vdot: form.vdot.trim() ? Number(form.vdot) : null,
    });
  };
  return (
    <Card title="Generate a workout">
      <form className="stack" onSubmit={submit}>
        <div className="row wrap">
          <label>
            Kind
            <select value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value as WorkoutKind })}>
              {KINDS.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </label>
          <label>
            Distance ({distanceUnit(units)}) <span className="muted">(optional)</span>
            <input type="number" min={1} step="0.1" value={form.distance} onChange={(e) => setForm({ ...form, distance: e.target.value })} />
          </label>
          <label>
            Date
            <input type="date" value={form.date} onChange={(e) => setForm({ ...form, date: e.target.value })} />
          </label>
          <label>
            VDOT <span className="muted">(optional; default: from your recent runs)</span>
            <input type="number" min={20} max={90} step="0.1" value={form.vdot} onChange={(e) => setForm({ ...form, vdot: e.target.value })} />
          </label>
        </div>
        <FormActions label="Generate workout" busy={generate.isPending} busyLabel="Generating…" error={generate.error} errorTitle="No workout" />
      </form>
      {generate.data && <WorkoutView workout={generate.data} />}
    </Card>
  );
}
