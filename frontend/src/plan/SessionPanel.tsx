// One planned session: what it is, whether it was done, and its structured workout (pushable to Garmin).
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { Link } from "react-router";
import { api, type Schemas, unwrap } from "../api/client";
import { useUnits } from "../auth/session";
import { ErrorNote, Loading } from "../ui/feedback";
import { formatDistance } from "../units/units";
import { scoreClass } from "../execution/score";
import { WorkoutView } from "./WorkoutView";

export function SessionPanel({ session, onClose }: { session: Schemas["CalendarSession"]; onClose: () => void }) {
  const units = useUnits();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [session.session_id]);
  const workout = useQuery({
    queryKey: ["workouts", session.workout_id],
    enabled: session.workout_id != null,
    queryFn: () =>
      unwrap(api.GET("/api/v1/workouts/{workout_id}", { params: { path: { workout_id: session.workout_id ?? 0 } } })),
  });
  return (
    <section className="card" aria-labelledby="session-title" style={{ marginTop: "1rem" }}>
      <div className="card-head">
        <h3 id="session-title" ref={heading} tabIndex={-1}>
          {session.title} <span className="muted small">{session.date}</span>
        </h3>
        <button type="button" className="link" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted">
        Week {session.week_index + 1} · {session.phase} · {session.kind} · {formatDistance(session.distance_km * 1000, units)} ·{" "}
        {Math.round(session.duration_min)} min · <strong>{session.status}</strong>
      </p>
      {session.activity && (
        <p>
          Done: <Link to={`/activities/${session.activity.id}`}>{session.activity.name ?? session.activity.sport}</Link> (
          {formatDistance((session.activity.distance_km ?? 0) * 1000, units)})
          {session.execution && (
            <>
              {" "}
              · execution <span className={`score small ${scoreClass(session.execution.score)}`}>{session.execution.score}</span>{" "}
              <span className="muted small">{session.execution.summary}</span>
            </>
          )}
        </p>
      )}
      {session.workout_id == null && <p className="muted">This session has no structured workout.</p>}
      {workout.isPending && session.workout_id != null && <Loading />}
      <ErrorNote error={workout.error} />
      {workout.data && <WorkoutView workout={workout.data} date={session.date} />}
    </section>
  );
}
