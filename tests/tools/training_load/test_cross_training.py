"""Logged strength and cross-training: counted in training load by session RPE, own sessions only, bad
input refused with what to add; strength days in a stored plan, matched by adapt_plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, InvalidInput
from core.models import StrengthSet
from tests.factories import create_user
from tools.deps import ToolDeps
from tools.registry import call_tool
from tools.training_load.strength import session_rpe_load

NOW = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)  # a Wednesday evening
SQUATS = {"name": "Back squat", "sets": [{"reps": 8, "load_kg": 60, "rpe": 7}] * 3}
PLANKS = {"name": "Side plank", "sets": [{"duration_s": 45}, {"duration_s": 45}]}


async def test_a_strength_session_counts_in_training_load(db: AsyncSession) -> None:
    user = await create_user(db)
    deps = ToolDeps.for_user(db, user, now=NOW)
    logged = (
        await call_tool(
            "log_training_session", deps, {"duration_min": 50, "rpe": 6, "exercises": [SQUATS, PLANKS]}
        )
    ).model_dump()
    assert logged["training_load"] == pytest.approx(round(session_rpe_load(6, 50), 1))
    assert logged["load_method"] == "srpe" and logged["foster_load_au"] == 300.0
    assert logged["start_time"] == NOW - timedelta(minutes=50), "logged today: it ended at the call's now"
    assert logged["exercises"][0] == {
        "name": "Back squat",
        "sets": 3,
        "reps": 24,
        "volume_kg": 1440.0,
        "top_load_kg": 60.0,
    }
    stored = (
        await db.execute(select(StrengthSet).where(StrengthSet.activity_id == logged["activity_id"]))
    ).scalars()
    assert [s.position for s in stored] == [0, 1, 2, 3, 4]

    load = (await call_tool("training_load", deps, {"days": 7})).model_dump()
    assert load["today"]["load"] == pytest.approx(logged["training_load"], abs=0.05)
    assert load["activities_by_method"] == {"srpe": 1}

    ride = (
        await call_tool(
            "log_training_session",
            deps,
            {"sport": "cycling", "duration_min": 90, "rpe": 4, "day": "2026-11-24", "start_time": "07:30"},
        )
    ).model_dump()
    assert ride["start_time"] == datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
    listed = (await call_tool("list_logged_sessions", deps, {"days": 7})).model_dump()
    assert [s["activity_id"] for s in listed["sessions"]] == [logged["activity_id"], ride["activity_id"]]
    assert listed["total_load"] == pytest.approx(logged["training_load"] + ride["training_load"])
    stranger = ToolDeps.for_user(db, await create_user(db), now=NOW)
    assert (await call_tool("list_logged_sessions", stranger, {})).model_dump()["sessions"] == []


async def test_set_rpe_stands_in_and_bad_input_is_refused(db: AsyncSession) -> None:
    deps = ToolDeps.for_user(db, await create_user(db), now=NOW)
    from_sets = (
        await call_tool("log_training_session", deps, {"duration_min": 40, "exercises": [SQUATS]})
    ).model_dump()
    assert from_sets["rpe"] == 7 and from_sets["rpe_source"] == "mean_of_sets"
    with pytest.raises(InvalidInput, match="Rate the session"):
        await call_tool("log_training_session", deps, {"duration_min": 40, "exercises": [PLANKS]})
    with pytest.raises(InvalidInput, match="reps or duration_s"):
        await call_tool(
            "log_training_session",
            deps,
            {"duration_min": 40, "rpe": 5, "exercises": [{"name": "x", "sets": [{}]}]},
        )
    with pytest.raises(InvalidInput, match="future"):
        await call_tool("log_training_session", deps, {"duration_min": 40, "rpe": 5, "day": "2026-12-01"})
    args = {"duration_min": 30, "rpe": 5, "day": "2026-11-20", "start_time": "18:00"}
    await call_tool("log_training_session", deps, args)
    with pytest.raises(Conflict, match="already starts"):
        await call_tool("log_training_session", deps, args)


async def test_plan_strength_days_are_done_by_logged_sessions(db: AsyncSession) -> None:
    user = await create_user(db)
    start = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    plan = (
        await call_tool(
            "generate_plan",
            ToolDeps.for_user(db, user, now=start),
            {
                "race_date": "2027-03-14",
                "distance": "half",
                "goal_time_s": 6000,
                "days_per_week": 4,
                "current_weekly_km": 30,
                "max_weekly_km": 50,
                "strength_per_week": 2,
            },
        )
    ).model_dump()
    assert plan["checks"] == []
    strength = [s for w in plan["weeks"] for s in w["sessions"] if s["kind"] == "strength"]
    assert strength and all(s["distance_km"] == 0 and not s["is_key"] for s in strength)
    assert any("strength sessions" in n for n in plan["notes"])
    first, second = sorted(strength, key=lambda s: s["date"])[:2]
    day = first["date"]
    await call_tool(
        "log_training_session",
        ToolDeps.for_user(db, user, now=datetime.combine(day, time(20), tzinfo=UTC)),
        {"duration_min": 35, "rpe": 5, "day": day.isoformat(), "start_time": "18:00"},
    )
    now = datetime.combine(second["date"] + timedelta(days=1), time(8), tzinfo=UTC)
    out = (await call_tool("adapt_plan", ToolDeps.for_user(db, user, now=now), {})).model_dump()
    status = {m["session_id"]: m["status"] for m in out["marked"]}
    assert status[first["session_id"]] == "done" and status[second["session_id"]] == "missed"
    assert out["plan"]["checks"] == []
    reflowed = [w["week_index"] for w in out["reflowed_weeks"]]
    later = [w for w in out["plan"]["weeks"] if w["index"] in reflowed and w["phase"] != "taper"]
    with_strength = [w for w in later if any(s["kind"] == "strength" for s in w["sessions"])]
    assert (
        later and with_strength and with_strength[0]["index"] == later[0]["index"]
    )  # re-placed after a reflow
    assert date(2026, 11, 23) <= day
