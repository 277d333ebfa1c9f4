"""Planned vs done on real rows: runs matched to their sessions get execution scores on the calendar, the
activity and the weekly view (`plan_execution`); a run that follows the plan scores higher than a slow one."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.models import PlannedSession
from tests.factories import create_activity, create_user
from tests.tools.plans.marathon import PLAN, START
from tools.deps import ToolDeps
from tools.plans.calendar import CalendarInput, plan_calendar
from tools.plans.execution import activity_execution
from tools.registry import call_tool
from tools.workouts.model import PaceTarget, Workout
from tools.workouts.store import load_workout


def _easy_pace(workout: Workout) -> float:
    step = workout.blocks[0]
    assert step.kind == "step" and isinstance(step.target, PaceTarget)
    return step.target.mid_s_per_km


async def test_done_sessions_get_execution_scores(db: AsyncSession) -> None:
    user, stranger = await create_user(db), await create_user(db)
    plan = (await call_tool("generate_plan", ToolDeps.for_user(db, user, now=START), PLAN)).model_dump()
    easy: list[dict[str, Any]] = [
        s
        for w in plan["weeks"]
        for s in w["sessions"]
        if s["kind"] == "easy" and s["date"] < date(2026, 11, 30)
    ][:2]
    assert len(easy) == 2
    runs = []
    for session, factor in zip(easy, (1.0, 0.8), strict=True):  # on plan; then 20 % slower and shorter
        _, workout = await load_workout(db, user.id, session["workout_id"])
        speed = 1000.0 / _easy_pace(workout) * factor
        seconds = round(session["distance_km"] * 1000.0 / speed * factor)
        start = datetime.combine(session["date"], time(7), tzinfo=UTC)
        runs.append(await create_activity(db, user, start=start, seconds=seconds, speed=speed))
    now = datetime.combine(date(2026, 11, 30), time(7), tzinfo=UTC)
    deps = ToolDeps.for_user(db, user, now=now)

    before_adapt = await activity_execution(deps, runs[0].id)  # not matched yet: the day's open session
    assert before_adapt.session is not None and before_adapt.session.session_id == easy[0]["session_id"]
    await call_tool("adapt_plan", deps, {})

    good, slow = [await activity_execution(deps, r.id) for r in runs]
    assert good.execution is not None and good.execution.score >= 95
    assert slow.execution is not None and slow.execution.score < good.execution.score - 20
    assert slow.execution.distance_ratio == pytest.approx(0.8, abs=0.02)

    fresh = await db.get(PlannedSession, easy[1]["session_id"])
    assert fresh is not None
    fresh.execution = None  # as if never read: the calendar computes it and stores it
    await db.flush()
    calendar = await plan_calendar(deps, CalendarInput(start=date(2026, 11, 23), end=date(2026, 11, 29)))
    assert fresh.execution == {
        "activity_id": runs[1].id,
        "score": slow.execution.score,
        "summary": slow.execution.summary,
    }
    fresh.execution = {**fresh.execution, "score": 1}  # a stored figure is what later reads show
    again = await plan_calendar(deps, CalendarInput(start=date(2026, 11, 23), end=date(2026, 11, 29)))
    assert next(s.execution for s in again.sessions if s.session_id == fresh.id).score == 1  # type: ignore[union-attr]
    fresh.execution = {**fresh.execution, "score": slow.execution.score}
    scored = {s.session_id: s.execution for s in calendar.sessions if s.execution is not None}
    assert scored[easy[0]["session_id"]].score == good.execution.score  # type: ignore[union-attr]
    assert scored[easy[1]["session_id"]].score == slow.execution.score  # type: ignore[union-attr]

    week = (
        await call_tool("plan_execution", deps, {"start": "2026-11-23", "end": "2026-11-29"})
    ).model_dump()
    assert week["done"] == 2 and week["planned"] > 2 and week["missed"] == week["planned"] - 2
    assert week["average_score"] == pytest.approx((good.execution.score + slow.execution.score) / 2)

    with pytest.raises(NotFound):
        await activity_execution(ToolDeps.for_user(db, stranger, now=now), runs[0].id)
    other = (await call_tool("plan_execution", ToolDeps.for_user(db, stranger, now=now), {})).model_dump()
    assert other["sessions"] == [] and other["average_score"] is None
    assert (
        now.date() - timedelta(days=6) == (await call_tool("plan_execution", deps, {})).model_dump()["start"]
    )
