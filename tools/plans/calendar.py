"""The plan calendar: a date range of the plan's sessions, each with the activity that fulfilled it, and
the activities of the range that no session claims.

A session's activity is the one `adapt_plan` matched to it (done, or moved to a nearby day); until the plan
is adapted, a run shows among `unplanned` on its own day. A done session carries its execution score
(`tools.plans.execution`: stored once computed). Sessions come from the active plan (or
the plan asked for); replaced sessions (superseded by a re-flow) are left out.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, model_validator

from core.errors import NotFound
from core.models import PlannedSession as SessionRow
from tools.activities.activities import ActivitySummary, summarise
from tools.activities.repository import Activities
from tools.deps import ToolDeps
from tools.plans.execution import SCORED_STATUSES, ExecutionBrief, session_briefs
from tools.plans.repository import PlanActivities, PlannedSessions
from tools.plans.store import plan_row, shown_fields

MAX_RANGE_DAYS = 400


class CalendarInput(BaseModel):
    start: dt.date
    end: dt.date
    plan_id: int | None = Field(default=None, description="default: the active plan")

    @model_validator(mode="after")
    def _range(self) -> CalendarInput:
        if self.start > self.end:
            raise ValueError("start is after end; swap the dates")
        if (self.end - self.start).days + 1 > MAX_RANGE_DAYS:
            raise ValueError(f"a calendar range is at most {MAX_RANGE_DAYS} days")
        return self


class CalendarSession(BaseModel):
    session_id: int
    plan_id: int
    date: dt.date
    week_index: int
    phase: str
    kind: str
    title: str
    distance_km: float
    duration_min: float
    is_key: bool
    status: str = Field(description="planned, done, moved, missed, adjusted")
    workout_id: int | None
    activity: ActivitySummary | None = Field(description="the activity that fulfilled the session")
    execution: ExecutionBrief | None = Field(
        default=None, description="how well the run executed the session (done sessions with samples)"
    )


class CalendarOut(BaseModel):
    start: dt.date
    end: dt.date
    plan_id: int | None = Field(description="the plan shown (None: no active plan)")
    sessions: list[CalendarSession]
    unplanned: list[ActivitySummary] = Field(description="activities of the range no session claims")


async def plan_calendar(deps: ToolDeps, args: CalendarInput) -> CalendarOut:
    """The calendar of the user's plan between `start` and `end` (local days, inclusive)."""
    try:
        plan = await plan_row(deps.session, deps.user_id, args.plan_id)
    except NotFound:
        if args.plan_id is not None:
            raise
        plan = None
    rows: list[SessionRow] = []
    if plan is not None:
        rows = await PlannedSessions(deps.session, deps.user_id).live_between(plan.id, args.start, args.end)
    first = dt.datetime.combine(args.start, dt.time(), deps.tz)
    after = dt.datetime.combine(args.end + dt.timedelta(days=1), dt.time(), deps.tz)
    in_range = {a.id: a for a in await PlanActivities(deps.session, deps.user_id).between(first, after)}
    claimed = {row.activity_id for row in rows if row.activity_id is not None}
    missing = claimed - set(in_range)  # a moved session's run may lie just outside the range
    found = await Activities(deps.session, deps.user_id).by_id(missing) if missing else {}
    by_id = {**in_range, **found}
    scores = await session_briefs(
        deps,
        [(r, by_id[r.activity_id]) for r in rows if r.activity_id in by_id and r.status in SCORED_STATUSES],
    )
    sessions = [
        CalendarSession(
            **shown_fields(row),
            plan_id=row.plan_id,
            week_index=row.week_index,
            phase=row.phase,
            activity=summarise(by_id[row.activity_id], deps.tz) if row.activity_id in by_id else None,
            execution=scores.get(row.id),
        )
        for row in rows
    ]
    return CalendarOut(
        start=args.start,
        end=args.end,
        plan_id=plan.id if plan is not None else None,
        sessions=sessions,
        unplanned=[summarise(a, deps.tz) for a_id, a in in_range.items() if a_id not in claimed],
    )
