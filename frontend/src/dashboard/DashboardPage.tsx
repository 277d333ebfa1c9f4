// The dashboard: load chart with a range picker, weekly load or distance, readiness today with its reasons, the next
// race against its goal, recent activities and the coach's unread messages.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { useUnits } from "../auth/session";
import { Card, Empty, ErrorNote, Loading } from "../ui/feedback";
import { formatDistance, formatDuration, formatPacePerKm } from "../units/units";
import { LoadChart } from "./LoadChart";
import { ProposalCard } from "./ProposalCard";
import { WeeklyVolume } from "./WeeklyVolume";

export function DashboardPage() {
  return (
    <div className="stack">
      <h1>Dashboard</h1>
      <div className="grid">
        <Inbox />
        <LoadChart />
        <Readiness />
        <NextRace />
        <WeeklyVolume />
        <RecentActivities />
      </div>
    </div>
  );
}

function Readiness() {
  const readiness = useQuery({
    queryKey: ["training", "readiness"],
    queryFn: () => unwrap(api.GET("/api/v1/training/readiness")),
  });
  const r = readiness.data;
  return (
    <Card title="Readiness today">
      <ErrorNote error={readiness.error} />
      {readiness.isPending && <Loading />}
      {r && (
        <>
          <div className="stats">
            <div className="stat">
              <span className="muted small">Score</span>
              <b>{r.score ?? "–"}</b>
            </div>
            <div className="stat">
              <span className="muted small">Verdict</span>
              <b>{r.label}</b>
            </div>
          </div>
          <ul>
            {r.reasons.map((reason) => (
              <li key={reason.component + reason.text}>
                <span className="muted small">{reason.component}:</span> {reason.text}
              </li>
            ))}
          </ul>
          {r.notes.map((n) => (
            <p key={n} className="muted small">
              {n}
            </p>
          ))}
        </>
      )}
    </Card>
  );
}

function NextRace() {
  const races = useQuery({ queryKey: ["races", false], queryFn: () => unwrap(api.GET("/api/v1/races")) });
  const race = races.data?.next_a_race ?? races.data?.races[0] ?? null;
  return (
    <Card title="Next race">
      <ErrorNote error={races.error} />
      {races.isPending && <Loading />}
      {races.data && !race && (
        <Empty>
          No race planned. <Link to="/races">Add one</Link> to get a prediction against your goal.
        </Empty>
      )}
      {race && (
        <>
          <p>
            <strong>{race.name}</strong> <span className={`badge badge-${race.priority}`}>{race.priority}</span> — {race.date} (
            {race.days_to_go} days)
          </p>
          <div className="stats">
            <div className="stat">
              <span className="muted small">Goal</span>
              <b>{race.goal_time_s != null ? formatDuration(race.goal_time_s) : "–"}</b>
            </div>
            <div className="stat">
              <span className="muted small">Predicted</span>
              <b>{race.predicted_time_s != null ? formatDuration(race.predicted_time_s) : "–"}</b>
            </div>
            {race.goal_gap_s != null && (
              <div className="stat">
                <span className="muted small">{race.goal_gap_s > 0 ? "Behind goal" : "Ahead of goal"}</span>
                <b>{formatDuration(Math.abs(race.goal_gap_s))}</b>
              </div>
            )}
          </div>
          {race.prediction_basis && <p className="muted small">{race.prediction_basis}</p>}
        </>
      )}
      {races.data?.prediction_note && <p className="muted small">{races.data.prediction_note}</p>}
    </Card>
  );
}

function RecentActivities() {
  const units = useUnits();
  const list = useQuery({
    queryKey: ["activities", "list", "recent"],
    queryFn: () => unwrap(api.GET("/api/v1/activities", { params: { query: { limit: 5 } } })),
  });
  return (
    <Card title="Recent activities" actions={<Link to="/activities">All</Link>}>
      <ErrorNote error={list.error} />
      {list.data?.items.length === 0 && <Empty>Nothing yet. <Link to="/activities">Import a FIT file</Link>.</Empty>}
      <ul className="plain">
        {list.data?.items.map((a) => (
          <li key={a.id}>
            <Link to={`/activities/${a.id}`}>{a.name ?? a.sport}</Link>{" "}
            <span className="muted small">
              {a.local_date} · {formatDistance(a.distance_km == null ? null : a.distance_km * 1000, units)} ·{" "}
              {formatDuration(a.duration_s)} · {formatPacePerKm(a.pace_s_per_km, units)}
            </span>
          </li>
        ))}
      </ul>
    </Card>
  );
}

function Inbox() {
  const client = useQueryClient();
  const inbox = useQuery({
    queryKey: ["notifications", "unread"],
    queryFn: () => unwrap(api.GET("/api/v1/notifications", { params: { query: { unread: true, limit: 5 } } })),
  });
  const markRead = useMutation({
    mutationFn: (ids: number[] | null) => unwrap(api.POST("/api/v1/notifications/read", { body: { ids } })),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["notifications"] }),
  });
  const items = inbox.data?.notifications ?? [];
  if (!inbox.isError && items.length === 0) return null;
  return (
    <Card
      title={`From your coach (${inbox.data?.unread ?? 0} unread)`}
      className="span-all"
      actions={
        <button type="button" className="link" onClick={() => markRead.mutate(null)} disabled={markRead.isPending}>
          Mark all read
        </button>
      }
    >
      <ErrorNote error={inbox.error ?? markRead.error} />
      {items.map((n) => (
        <article key={n.id} className="note">
          <strong>{n.title}</strong>
          <p className="coach-text">{n.body}</p>
          <ProposalCard notification={n} />
          {n.trigger === "mcp_approval" && typeof n.data.approval_id === "string" ? (
            <McpApproval approvalId={n.data.approval_id} />
          ) : (
            <button type="button" className="link" onClick={() => markRead.mutate([n.id])}>
              Mark read
            </button>
          )}
        </article>
      ))}
    </Card>
  );
}

/** An app connected over MCP asked to change something: it runs only if the athlete presses Approve here. */
function McpApproval({ approvalId }: { approvalId: string }) {
  const client = useQueryClient();
  const answer = useMutation({
    mutationFn: (verb: "approve" | "deny") =>
      unwrap(
        verb === "approve"
          ? api.POST("/api/v1/mcp/approvals/{approval_id}/approve", { params: { path: { approval_id: approvalId } } })
          : api.POST("/api/v1/mcp/approvals/{approval_id}/deny", { params: { path: { approval_id: approvalId } } }),
      ),
    onSuccess: () => void client.invalidateQueries(),
  });
  return (
    <div className="row">
      <button type="button" className="primary" onClick={() => answer.mutate("approve")} disabled={answer.isPending}>
        Approve
      </button>
      <button type="button" onClick={() => answer.mutate("deny")} disabled={answer.isPending}>
        Deny
      </button>
      <ErrorNote error={answer.error} />
    </div>
  );
}
