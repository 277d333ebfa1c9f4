"""What an illness note does to a plan: the open sessions on its days (today onwards) become rest days.

Each such session runs a rest workout instead of its own (status `adjusted`, the designed workout kept in
the plan as `adjust_today` keeps it), so the plan's rules are still checked on the design and the missing
training shows up as a deviation. `adapt_plan` then re-sizes the weeks from the day after the illness on,
from what was really run — an athlete coming back from illness starts lower, never with a make-up week.
Sessions already done, the race, and days before today are left alone (the past is history).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from datetime import timedelta

from core.models import PlannedSession as SessionRow
from core.models import TrainingPlan as PlanRow
from tools.deps import ToolDeps
from tools.notes.notes import notes_between
from tools.plans.model import TrainingPlan
from tools.plans.store import remember_design
from tools.workouts.model import Workout, WorkoutKind, summarize
from tools.workouts.store import load_workout, replace_workout

OPEN = ("planned", "adjusted")
UNTOUCHED_KINDS = (WorkoutKind.REST.value, WorkoutKind.RACE.value)


def illness_rest() -> Workout:
    return Workout(kind=WorkoutKind.REST, name="Rest day (ill)", description="Rest: no training while ill.")


async def rest_for_illness(
    deps: ToolDeps, row: PlanRow, plan: TrainingPlan, sessions: Sequence[tuple[SessionRow, Workout]]
) -> tuple[list[SessionRow], dt.date | None]:
    """Turn the open sessions on illness days (from today) into rest. Returns the sessions changed and the
    first day after the last illness that changed any (None when nothing changed). Flushes."""
    illnesses = await notes_between(deps.session, deps.user_id, deps.today, plan.race_date, ("illness",))
    rested: list[SessionRow] = []
    well_from: dt.date | None = None
    for note in illnesses:
        first = max(note.start_date, deps.today)
        for session_row, _ in sessions:
            if not first <= session_row.date <= note.end_date:
                continue
            if session_row.status not in OPEN or session_row.kind in UNTOUCHED_KINDS:
                continue
            workout = illness_rest()
            if session_row.workout_id is not None:
                workout_row, designed = await load_workout(deps.session, deps.user_id, session_row.workout_id)
                remember_design(row, session_row, designed)
                await replace_workout(deps.session, workout_row, workout)
            summary = summarize(workout)
            session_row.kind = workout.kind.value
            session_row.title = workout.name
            session_row.is_key = False
            session_row.planned_distance_m = round(summary.distance_m, 1)
            session_row.planned_duration_s = round(summary.duration_s, 1)
            session_row.status = "adjusted"
            session_row.notes = f"rest: illness noted {note.start_date}–{note.end_date}"
            rested.append(session_row)
            after = note.end_date + timedelta(days=1)
            well_from = after if well_from is None else max(well_from, after)
    await deps.session.flush()
    return rested, well_from
