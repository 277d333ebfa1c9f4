// Strength and cross-training logged by hand: sport, minutes, session RPE and, for strength, exercises with
// their sets (reps × load). Each counts in training load (session RPE × minutes); the list shows the last weeks.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, type Schemas, unwrap } from "../api/client";
import { isoDay } from "../plan/calendar";
import { Card, Empty, ErrorNote, Loading } from "../ui/feedback";
import { useFields } from "../ui/fields";
import { FormActions } from "../ui/FormActions";
import { Table } from "../ui/Table";
import { type ExerciseDraft, SPORTS, toExercises } from "./strength";

type Sport = NonNullable<Schemas["LogSessionInput"]["sport"]>;

export function StrengthPage() {
  const list = useQuery({
    queryKey: ["strength", "sessions"],
    queryFn: () => unwrap(api.GET("/api/v1/strength/sessions", { params: { query: { days: 28 } } })),
  });
  return (
    <div className="stack">
      <h1>Strength &amp; cross-training</h1>
      <LogSession />
      <Card title="Last four weeks">
        <ErrorNote error={list.error} />
        {list.isPending && <Loading />}
        {list.data && list.data.sessions.length === 0 && <Empty>Nothing logged yet: log a session above.</Empty>}
        {list.data && list.data.sessions.length > 0 && (
          <>
            <Table headers={["Day", "Session", "Minutes", "RPE", "Load", "Exercises"]}>
              {list.data.sessions.map((s) => (
                <tr key={s.activity_id}>
                  <td>{s.start_time.slice(0, 10)}</td>
                  <td>
                    {s.name ?? s.sport.replace(/_/g, " ")} <span className="muted small">{s.sport.replace(/_/g, " ")}</span>
                  </td>
                  <td>{Math.round(s.duration_min)}</td>
                  <td>{s.rpe}</td>
                  <td>{Math.round(s.training_load)}</td>
                  <td className="small">
                    {s.exercises.map((e) => `${e.name} ${e.sets}×${Math.round(e.reps / Math.max(e.sets, 1))}${e.top_load_kg ? ` @ ${e.top_load_kg} kg` : ""}`).join(", ") || "–"}
                  </td>
                </tr>
              ))}
            </Table>
            <p className="muted small">Total load {Math.round(list.data.total_load)} (on the same scale as your runs).</p>
          </>
        )}
      </Card>
    </div>
  );
}

function LogSession() {
  const client = useQueryClient();
  const { values, field, clear } = useFields({ sport: "strength_training", day: isoDay(new Date()), minutes: "45", rpe: "6", name: "" });
  const [exercises, setExercises] = useState<ExerciseDraft[]>([{ name: "", sets: "3", reps: "8", load: "" }]);
  const log = useMutation({
    mutationFn: (body: Schemas["LogSessionInput"]) => unwrap(api.POST("/api/v1/strength/sessions", { body })),
    onSuccess: () => {
      clear("name");
      setExercises([{ name: "", sets: "3", reps: "8", load: "" }]);
      void client.invalidateQueries({ queryKey: ["strength"] });
    },
  });
  const strength = values.sport === "strength_training";
  const submit = (e: FormEvent) => {
    e.preventDefault();
    log.mutate({
      sport: values.sport as Sport,
      day: values.day,
      duration_min: Number(values.minutes),
      rpe: values.rpe === "" ? null : Number(values.rpe),
      name: values.name.trim() || null,
      exercises: strength ? toExercises(exercises) : [],
    });
  };
  const edit = (k: number, key: keyof ExerciseDraft, value: string) =>
    setExercises((list) => list.map((x, i) => (i === k ? { ...x, [key]: value } : x)));
  return (
    <Card title="Log a session">
      <form className="stack" onSubmit={submit}>
        <div className="row wrap">
          <label>
            Sport
            <select {...field("sport")}>
              {SPORTS.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Day
            <input type="date" required {...field("day")} />
          </label>
          <label>
            Minutes
            <input type="number" min={1} max={600} required {...field("minutes")} />
          </label>
          <label>
            Session RPE (0–10)
            <input type="number" min={0} max={10} step={1} {...field("rpe")} />
          </label>
          <label>
            Name
            <input placeholder="Gym: legs" maxLength={200} {...field("name")} />
          </label>
        </div>
        {strength && (
          <fieldset>
            <legend>Exercises</legend>
            {exercises.map((x, k) => (
              <div className="row wrap" key={k}>
                <label>
                  Exercise
                  <input value={x.name} placeholder="Squat" onChange={(e) => edit(k, "name", e.target.value)} />
                </label>
                <label>
                  Sets
                  <input type="number" min={1} max={20} value={x.sets} onChange={(e) => edit(k, "sets", e.target.value)} />
                </label>
                <label>
                  Reps
                  <input type="number" min={1} max={100} value={x.reps} onChange={(e) => edit(k, "reps", e.target.value)} />
                </label>
                <label>
                  Load (kg, empty = bodyweight)
                  <input type="number" min={0} step={0.5} value={x.load} onChange={(e) => edit(k, "load", e.target.value)} />
                </label>
              </div>
            ))}
            <button type="button" onClick={() => setExercises((list) => [...list, { name: "", sets: "3", reps: "8", load: "" }])}>
              Add an exercise
            </button>
          </fieldset>
        )}
        <FormActions label="Log session" busy={log.isPending} error={log.error} done={log.isSuccess ? "Logged." : null} />
      </form>
    </Card>
  );
}
