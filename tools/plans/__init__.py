"""Training plans: generated to a race, stored, compared with what was run, and re-flowed.

Pure: `model` (weeks of dated sessions), `rules` (the safety rules and `check_plan`), `weeks` (laying out one
week), `periodize` (a whole plan to a race date, keeping every rule by construction).
Over the athlete's data: `store` (plans in `training_plans` + `planned_sessions`), `volume` (what the athlete
actually ran), `plans` (`generate_plan`, `get_plan`), `adapt` (`adapt_plan`), `reflow`, `calendar`.
"""
