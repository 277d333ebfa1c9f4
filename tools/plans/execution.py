"""Planned vs done for stored sessions: each run that fulfilled a planned session scored against the
session's workout (`tools.workouts.execution`), from its samples.

Computed once and stored: the first read that needs a session's score (the calendar, the weekly review,
the activity page) computes it — every activity lacking one comes back from a single samples query — and
stores score and summary on the session with the activity they are for (`planned_sessions.execution`);
later reads use the stored figure (`bench/execution_scores.py` measures both). The activity page's
step-by-step breakdown is computed from its run's samples each time. An activity's session is the one
that claims it (`adapt_plan` matched it), else the active plan's open session on the run's local day.

`plan_execution` (read-only) is the weekly review's view: the plan's sessions of a range, done or not,
with their scores and the average.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, Field, model_validator

from core.models import Activity
from core.models import PlannedSession as SessionRow
from tools.activities.activities import get_owned_activity
from tools.activities.repository import Activities
from tools.deps import ToolDeps
from tools.plans.repository import PlannedSessions
from tools.plans.store import ACTIVE, LIVE_STATUSES, OPEN_STATUSES
from tools.registry import tool
from tools.samples.series import Span, activity_series
from tools.workouts.execution import ExecutionScore, Samples, score_execution
from tools.workouts.model import Workout

COLUMNS = ("speed_mps", "heart_rate", "distance_m")
SCORED_STATUSES = ("done", "moved")
MAX_RANGE_DAYS = 62


async def score_sessions(
    deps: ToolDeps, pairs: Sequence[tuple[SessionRow, Activity]]
) -> dict[int, ExecutionScore]:
    """Scores by session id for (session, the activity that fulfilled it); one samples query in all."""
    workout_ids = {s.workout_id for s, _ in pairs if s.workout_id is not None}
    if not workout_ids:
        return {}
    structures = await PlannedSessions(deps.session, deps.user_id).workout_structures(workout_ids)
    spans = [Span(id=a.id, start_time=a.start_time, elapsed_s=a.elapsed_s) for _, a in pairs]
    series = await activity_series(deps.session, deps.user_id, spans, COLUMNS)
    scores: dict[int, ExecutionScore] = {}
    for session_row, activity in pairs:
        structure = structures.get(session_row.workout_id) if session_row.workout_id is not None else None
        samples = series.get(activity.id)
        if structure is None or samples is None or len(samples) < 2:
            continue
        score = score_execution(
            Workout.model_validate(structure),
            Samples(samples.t, samples["speed_mps"], samples["heart_rate"], samples["distance_m"]),
            actual_distance_m=activity.distance_m or 0.0,
            actual_duration_s=activity.moving_s or activity.elapsed_s or 0.0,
        )
        if score is not None:
            scores[session_row.id] = score
    return scores


class ExecutionBrief(BaseModel):
    score: int = Field(description="0–100")
    summary: str


def _brief(score: ExecutionScore) -> ExecutionBrief:
    return ExecutionBrief(score=score.score, summary=score.summary)


def _store(session_row: SessionRow, activity: Activity, score: ExecutionScore) -> None:
    session_row.execution = {"activity_id": activity.id, "score": score.score, "summary": score.summary}


async def session_briefs(
    deps: ToolDeps, pairs: Sequence[tuple[SessionRow, Activity]]
) -> dict[int, ExecutionBrief]:
    """Score and summary by session id: the stored figure when it is for this activity, else computed
    (one samples query for all that lack it) and stored on the session. Flushes when it stores."""
    briefs: dict[int, ExecutionBrief] = {}
    missing = []
    for session_row, activity in pairs:
        stored = session_row.execution
        if stored is not None and stored.get("activity_id") == activity.id:
            briefs[session_row.id] = ExecutionBrief(score=stored["score"], summary=stored["summary"])
        else:
            missing.append((session_row, activity))
    if missing:
        scores = await score_sessions(deps, missing)
        for session_row, activity in missing:
            if session_row.id in scores:
                _store(session_row, activity, scores[session_row.id])
                briefs[session_row.id] = _brief(scores[session_row.id])
        await deps.session.flush()
    return briefs


class ExecutedSession(BaseModel):
    session_id: int
    date: dt.date
    title: str
    kind: str
    status: str


class ActivityExecution(BaseModel):
    session: ExecutedSession | None = Field(description="the planned session this run fulfilled")
    execution: ExecutionScore | None
    note: str


async def activity_execution(deps: ToolDeps, activity_id: int) -> ActivityExecution:
    """The activity's planned session and how well it was executed (NotFound for another's activity)."""
    activity = await get_owned_activity(deps.session, deps.user_id, activity_id)
    sessions = PlannedSessions(deps.session, deps.user_id)
    session_row = await sessions.fulfilled_by(activity.id)
    if session_row is None and activity.sport == "running":
        day = activity.start_time.astimezone(deps.tz).date()
        session_row = await sessions.first_open_run_on(day, open_statuses=OPEN_STATUSES, active=ACTIVE)
    if session_row is None:
        return ActivityExecution(session=None, execution=None, note="no planned session for this activity")
    scores = await score_sessions(deps, [(session_row, activity)])
    execution = scores.get(session_row.id)
    if execution is not None and session_row.activity_id == activity.id:
        _store(session_row, activity, execution)  # the calendar and the weekly review read it from here
    return ActivityExecution(
        session=ExecutedSession(
            session_id=session_row.id,
            date=session_row.date,
            title=session_row.title,
            kind=session_row.kind,
            status=session_row.status,
        ),
        execution=execution,
        note=execution.summary if execution else "this run has no samples to score",
    )


class PlanExecutionInput(BaseModel):
    start: dt.date | None = Field(default=None, description="default 6 days ago")
    end: dt.date | None = Field(default=None, description="default today")

    @model_validator(mode="after")
    def _ordered(self) -> PlanExecutionInput:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError("start is after end; swap the dates")
        return self


class SessionExecution(BaseModel):
    date: dt.date
    title: str
    kind: str
    status: str
    activity_id: int | None
    score: int | None
    summary: str | None


class PlanExecution(BaseModel):
    start: dt.date
    end: dt.date
    planned: int = Field(description="planned runs in the range (rest days aside)")
    done: int
    missed: int
    average_score: float | None = Field(description="mean execution score of the scored runs")
    sessions: list[SessionExecution]


@tool()
async def plan_execution(deps: ToolDeps, args: PlanExecutionInput) -> PlanExecution:
    """Planned vs done over a date range (default the last 7 days): every planned run of the active plan,
    whether it was done, and its execution score 0–100 (distance against the plan, and time in the target
    pace or heart-rate range, from the run's samples), with the average. For the weekly review."""
    end = args.end or deps.today
    start = args.start or end - dt.timedelta(days=6)
    start = max(start, end - dt.timedelta(days=MAX_RANGE_DAYS))
    rows = await PlannedSessions(deps.session, deps.user_id).runs_between(
        start, end, statuses=LIVE_STATUSES, active=ACTIVE
    )
    activity_ids = {r.activity_id for r in rows if r.activity_id is not None and r.status in SCORED_STATUSES}
    activities = await Activities(deps.session, deps.user_id).by_id(activity_ids)
    pairs = [(r, activities[r.activity_id]) for r in rows if r.activity_id in activities]
    scores = await session_briefs(deps, pairs)
    sessions = [
        SessionExecution(
            date=r.date,
            title=r.title,
            kind=r.kind,
            status=r.status,
            activity_id=r.activity_id,
            score=scores[r.id].score if r.id in scores else None,
            summary=scores[r.id].summary if r.id in scores else None,
        )
        for r in rows
    ]
    scored = [s.score for s in sessions if s.score is not None]
    return PlanExecution(
        start=start,
        end=end,
        planned=len(rows),
        done=sum(1 for r in rows if r.status in SCORED_STATUSES),
        missed=sum(1 for r in rows if r.status == "missed"),
        average_score=round(sum(scored) / len(scored), 1) if scored else None,
        sessions=sessions,
    )
