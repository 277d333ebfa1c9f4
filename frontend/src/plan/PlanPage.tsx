// The plan: the current plan's shape, its calendar against what was done, and forms to make more.
import { useQuery } from "@tanstack/react-query";
import { ApiError, api, unwrap } from "../api/client";
import { useUnits } from "../auth/session";
import { Card, ErrorNote } from "../ui/feedback";
import { Table } from "../ui/Table";
import { formatDistance } from "../units/units";
import { PlanCalendar } from "./PlanCalendar";
import { GeneratePlanForm, GenerateWorkoutForm } from "./PlanForms";

function CurrentPlan() {
  const units = useUnits();
  const plan = useQuery({
    queryKey: ["plans", "current"],
    queryFn: async () => {
      try {
        return await unwrap(api.GET("/api/v1/plans/current"));
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
  });
  if (!plan.data) return <ErrorNote error={plan.error} />;
  const p = plan.data;
  return (
    <Card title={`Current plan: ${p.name}`} className="span-all">
      <p className="muted">
        {p.start_date} → race {p.race_date} · {formatDistance(p.race_distance_m, units, 1)}
        {p.goal_time ? ` · goal ${p.goal_time}` : ""}
        {p.race_pace ? ` (${p.race_pace})` : ""} · VDOT {p.vdot.toFixed(1)}
      </p>
      <Table headers={["Week", "Phase", "Volume", "Long run"]}>
        {p.weeks.map((w) => (
          <tr key={w.index}>
            <td>
              {w.index + 1} <span className="muted small">{w.start}</span>
            </td>
            <td>
              {w.phase}
              {w.is_recovery ? " (recovery)" : ""}
            </td>
            <td>{formatDistance(w.volume_km * 1000, units, 0)}</td>
            <td>{w.long_run_km != null ? formatDistance(w.long_run_km * 1000, units, 0) : "–"}</td>
          </tr>
        ))}
      </Table>
      {p.checks.length > 0 && (
        <div className="note note-warn">
          {p.checks.map((c) => (
            <p key={c.rule + (c.week_index ?? "")}>{c.message}</p>
          ))}
        </div>
      )}
    </Card>
  );
}

export function PlanPage() {
  return (
    <div className="stack">
      <h1>Plan</h1>
      <div className="grid">
        <PlanCalendar />
        <GenerateWorkoutForm />
        <GeneratePlanForm />
        <CurrentPlan />
      </div>
    </div>
  );
}
