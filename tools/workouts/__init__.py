"""Structured workouts and training plans, stored, sent to the watch, and kept up to date.

- `store`: workouts + flattened workout_steps; `describe`: a workout as lines to read.
- `garmin_payload`: the Garmin Connect workout JSON (units: m/s pace, watts, bpm).
- `fitness`: which VDOT sessions are paced from; `volume`: what was actually run.
- `workouts`: generate_workout, get_workout, push_workout (approval).
- `plan_store`: plans ↔ training_plans + planned_sessions; `plans`: generate_plan, get_plan.
- `reflow`: re-sizing the weeks ahead (pure); `adapt`: adapt_plan; `today`: adjust_today and
  apply_today_adjustment (approval).
"""
