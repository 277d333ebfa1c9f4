// Planned vs done on the activity page: the plan session this run fulfilled and how well it was executed,
// step by step (time in the target range), from the score the API computes from the run's samples.
import { useQuery } from "@tanstack/react-query";
import { api, type Schemas, unwrap } from "../api/client";
import { useUnits } from "../auth/session";
import { Card, Empty, ErrorNote, Loading } from "../ui/feedback";
import { Table } from "../ui/Table";
import { formatDuration, formatPacePerKm } from "../units/units";
import { scoreClass, shareText } from "./score";

export function ExecutionCard({ activityId }: { activityId: number }) {
  const units = useUnits();
  const execution = useQuery({
    queryKey: ["activities", "execution", activityId],
    queryFn: () => unwrap(api.GET("/api/v1/activities/{activity_id}/execution", { params: { path: { activity_id: activityId } } })),
  });
  return (
    <Card title="Planned vs done">
      <ErrorNote error={execution.error} />
      {execution.isPending && <Loading />}
      {execution.data && !execution.data.session && <Empty>No session was planned for this run.</Empty>}
      {execution.data?.session && (
        <p>
          Planned: <strong>{execution.data.session.title}</strong> <span className="muted small">{execution.data.session.date}</span>
        </p>
      )}
      {execution.data?.execution ? <ScoreView score={execution.data.execution} units={units} /> : execution.data?.session && <Empty>{execution.data.note}</Empty>}
    </Card>
  );
}

function ScoreView({ score: s, units }: { score: Schemas["ExecutionScore"]; units: ReturnType<typeof useUnits> }) {
  return (
    <div className="stack">
      <div className="row">
        <span className={`score ${scoreClass(s.score)}`} aria-label={`Execution score ${s.score} of 100`}>
          {s.score}
        </span>
        <span>
          {s.actual_km} of {s.planned_km} km · {Math.round(s.actual_min)} of {Math.round(s.planned_min)} min
          {s.in_target_share != null && <> · {shareText(s.in_target_share)} of the targeted time in range</>}
        </span>
      </div>
      <Table headers={["Step", "Target", "Planned", "Done", "In range", "Avg pace"]}>
        {s.steps.map((step, k) => (
          <tr key={k}>
            <td>{step.name}</td>
            <td className="small">{step.target ?? "–"}</td>
            <td>{formatDuration(step.planned_s)}</td>
            <td>{formatDuration(step.actual_s)}</td>
            <td>{step.in_target_s != null && step.actual_s > 0 ? shareText(step.in_target_s / step.actual_s) : "–"}</td>
            <td>{formatPacePerKm(step.avg_pace_s_per_km, units)}</td>
          </tr>
        ))}
      </Table>
    </div>
  );
}
