"""The athlete's fitness from their own data, as tools over `tools/training/`'s pure science.

- `series`: per-second series of chosen activities (one array row per activity).
- `anchors`: max HR, resting HR, LTHR, threshold pace and sex — profile, estimated, or assumed, said which.
- `activity_load`: one activity's load (TRIMP → rTSS → duration), stored on the activity at import.
- `training_load`: the `training_load` tool (CTL/ATL/TSB, ACWR, monotony, strain).
- `efforts`: best efforts inside recent runs and the fitness VDOT they imply.
- `prediction`, `zones`, `readiness`: the `race_prediction`, `zones` and `readiness` tools.
- `units`: how times and paces are written.
"""
