"""Structured workouts: the model, building one at the athlete's paces, storing, sending to the watch.

- `model`: the structured workout (steps, repeats, targets, summary); `sessions`: building one workout
  of a kind from Daniels training paces (both pure).
- `store`: workouts in `workouts` + `workout_steps`; `library`: the saved workouts; `describe`: as text.
- `garmin_payload`: the JSON Garmin Connect's workout service takes; `workouts`: the coach's workout tools.
"""
