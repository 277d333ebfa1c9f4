// A structured workout: its steps, its summary, and pushing it to Garmin Connect (after approval).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type Schemas, unwrap } from "../api/client";
import { useUnits } from "../auth/session";
import { ConfirmAction } from "../ui/ConfirmAction";
import { ErrorNote } from "../ui/feedback";
import { formatDistance } from "../units/units";

type Workout = Schemas["WorkoutOut"] | Schemas["GeneratedWorkout"];

export function WorkoutView({ workout, date }: { workout: Workout; date?: string | null }) {
  const units = useUnits();
  const client = useQueryClient();
  const [asking, setAsking] = useState(false);
  const when = date ?? workout.scheduled_date ?? null;
  const push = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/workouts/{workout_id}/push", {
          params: { path: { workout_id: workout.workout_id } },
          body: { date: when },
        }),
      ),
    onSettled: () => {
      setAsking(false);
      void client.invalidateQueries({ queryKey: ["workouts"] });
    },
  });
  const s = workout.summary;
  return (
    <div className="stack" data-testid="workout">
      <p>
        <strong>{workout.name}</strong> <span className="muted">({workout.kind})</span>
        {when && <span className="muted"> · {when}</span>}
      </p>
      <p className="muted small">
        {formatDistance(s.distance_km * 1000, units)} · {Math.round(s.duration_min)} min (easy {Math.round(s.easy_min)}, moderate{" "}
        {Math.round(s.moderate_min)}, hard {Math.round(s.hard_min)})
      </p>
      <ol aria-label="Steps">
        {workout.steps.map((step, i) => (
          <li key={i}>{step}</li>
        ))}
      </ol>
      {workout.garmin_workout_id && !push.data && (
        <p className="muted small">On Garmin Connect as {workout.garmin_workout_id}; pushing again replaces it.</p>
      )}
      <div className="row">
        <button type="button" onClick={() => setAsking(true)} disabled={push.isPending}>
          {push.isPending ? "Pushing…" : "Push to Garmin"}
        </button>
      </div>
      <ConfirmAction
        open={asking}
        what={`Upload "${workout.name}" to Garmin Connect${when ? ` and schedule it on ${when}` : ""}`}
        args={{ workout_id: workout.workout_id, date: when }}
        busy={push.isPending}
        onApprove={() => push.mutate()}
        onDeny={() => setAsking(false)}
      />
      <ErrorNote error={push.error} title="Not pushed" />
      {push.data && (
        <div className="note note-ok" role="status">
          {push.data.message}
          {push.data.as_garmin_shows.length > 0 && (
            <ul>
              {push.data.as_garmin_shows.map((line, i) => (
                <li key={i}>{line}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
