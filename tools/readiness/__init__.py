"""Morning readiness, and what it does to today's session.

- `science`: the 0–100 score, its label and reasons from whatever data there is (pure).
- `readiness`: the `readiness` tool over daily health and the athlete's own baselines.
- `today`: `adjust_today` / `apply_today_adjustment`, the change to today's session readiness proposes.
"""
