"""generate_plan and get_plan: stored, read back, rule-checked; inputs from the calendar and recent runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, InvalidInput, NotFound
from core.models import PlannedSession, TrainingPlan, Workout, WorkoutStep
from tests.factories import create_user
from tests.tools.samples.sample_data import create_run
from tools.deps import ToolDeps
from tools.fitness.vdot import vdot_from_race
from tools.plans.periodize import periodize
from tools.plans.rules import check_plan
from tools.plans.store import load_plan
from tools.registry import call_tool

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
MARATHON = {
    "race_date": "2027-03-14",  # a Sunday, 16 weeks after the start
    "distance": "marathon",
    "goal_time_s": 3 * 3600 + 30 * 60,
    "days_per_week": 5,
    "long_run_day": "sunday",
    "current_weekly_km": 40,
    "max_weekly_km": 70,
}


async def _deps(db: AsyncSession) -> ToolDeps:
    return ToolDeps.for_user(db, await create_user(db), now=NOW)


async def test_a_16_week_marathon_plan_is_stored_and_passes_every_rule(db: AsyncSession) -> None:
    deps = await _deps(db)
    out = (await call_tool("generate_plan", deps, MARATHON)).model_dump()
    assert out["checks"] == []
    full_weeks = [w for w in out["weeks"] if w["phase"] != "lead_in"]
    assert len(full_weeks) == 16 and out["weeks"][-1]["phase"] == "taper"
    assert [w["phase"] for w in out["weeks"]][-3:] == ["taper"] * 3
    race = out["weeks"][-1]["sessions"][-1]
    assert race["kind"] == "race" and race["date"].isoformat() == "2027-03-14"
    assert out["vdot"] == pytest.approx(vdot_from_race(42_195, 12_600), abs=0.1)  # no data: goal-time VDOT
    assert out["race_pace"] == "4:59/km"
    assert max(w["volume_km"] for w in out["weeks"]) <= 70

    # what is stored is the plan the pure generator makes, and it re-reads to the same plan
    pure = periodize(
        race_date=NOW.date() + timedelta(weeks=16) - timedelta(days=1),
        race_distance_m=42_195,
        start_date=NOW.date(),
        days_per_week=5,
        long_run_weekday=6,
        current_weekly_km=40,
        max_weekly_km=70,
        goal_time_s=12_600,
        current_vdot=None,
    )
    row, stored, _ = await load_plan(db, deps.user_id, out["plan_id"])
    assert stored == pure and check_plan(stored) == []
    assert row.status == "active" and row.inputs["vdot_basis"].startswith("the goal time")
    counted = await db.execute(
        select(func.count(PlannedSession.id), func.count(func.distinct(PlannedSession.workout_id))).where(
            PlannedSession.plan_id == row.id
        )
    )
    assert tuple(counted.one()) == (len(pure.sessions), len(pure.sessions))
    steps = (
        await db.execute(
            select(func.count())
            .select_from(WorkoutStep)
            .join(Workout, Workout.id == WorkoutStep.workout_id)
            .where(Workout.user_id == deps.user_id)
        )
    ).scalar_one()
    assert steps >= len(pure.sessions)
    assert (await call_tool("get_plan", deps, {})).model_dump() == {**out, "notes": []}


async def test_inputs_come_from_the_race_calendar_and_recent_running(db: AsyncSession) -> None:
    deps = await _deps(db)
    race = (
        await call_tool(
            "add_race",
            deps,
            {
                "name": "Spring Half",
                "date": "2027-03-07",
                "distance": "half",
                "priority": "A",
                "goal_time_s": 5700,
            },
        )
    ).model_dump()
    # four weeks of running: 5 runs a week of ~6 km, one with a 20:00 5K inside
    for k in range(20):
        day = NOW - timedelta(days=2 + k * 28 // 20)
        seconds = 1800 if k else 2100
        speeds = (
            [1000 / 300] * seconds if k else [1000 / 330] * 600 + [1000 / 240] * 1200 + [1000 / 330] * 300
        )
        await create_run(db, deps.user, day, heart_rate=[150] * seconds, speed_mps=speeds)
    out = (await call_tool("generate_plan", deps, {"race_id": race["id"], "days_per_week": 4})).model_dump()
    assert out["checks"] == [] and out["race_date"].isoformat() == "2027-03-07"
    assert out["race_distance_m"] == 21_097.5 and out["goal_time"] == "1:35:00"
    assert out["vdot"] == pytest.approx(vdot_from_race(5000, 1200), abs=0.1)
    assert "best 5K" in out["notes"][0]
    assert any("4-week average" in n and "current volume" in n for n in out["notes"])
    plan = (await db.execute(select(TrainingPlan).where(TrainingPlan.id == out["plan_id"]))).scalar_one()
    assert plan.race_id == race["id"] and 25 < plan.inputs["current_weekly_km"] < 50


async def test_a_new_plan_archives_the_old_one_and_plans_are_private(db: AsyncSession) -> None:
    deps = await _deps(db)
    sneaky = "Spring'); DROP TABLE training_plans; --"
    first = (await call_tool("generate_plan", deps, {**MARATHON, "name": sneaky})).model_dump()
    assert first["name"] == sneaky  # stored as data, never as SQL
    again = {**MARATHON, "distance": "half", "goal_time_s": 6000}
    with pytest.raises(Conflict, match="replace_active=true"):  # never replaced without the athlete's yes
        await call_tool("generate_plan", deps, again)
    assert (await call_tool("get_plan", deps, {})).model_dump()["plan_id"] == first["plan_id"]
    second = (await call_tool("generate_plan", deps, {**again, "replace_active": True})).model_dump()
    assert any("is archived" in n for n in second["notes"])
    assert (await call_tool("get_plan", deps, {})).model_dump()["plan_id"] == second["plan_id"]
    old = (await call_tool("get_plan", deps, {"plan_id": first["plan_id"]})).model_dump()
    assert old["status"] == "archived"
    stranger = await _deps(db)
    with pytest.raises(NotFound):
        await call_tool("get_plan", stranger, {"plan_id": first["plan_id"]})
    with pytest.raises(NotFound, match="no active plan"):
        await call_tool("get_plan", stranger, {})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({**MARATHON, "race_date": "2027-01-10"}, "too short"),
        ({**MARATHON, "current_weekly_km": 5}, "build up to 10 km"),
        ({"distance": "marathon"}, "Give the race"),
        ({**MARATHON, "start_date": "2026-01-01"}, "in the past"),
        ({**MARATHON, "goal_time_s": None, "current_weekly_km": 40}, "No pace reference"),
        ({**MARATHON, "race_id": 10**12}, "No race 1000000000000 here"),
    ],
)
async def test_unusable_inputs_say_what_to_change(
    db: AsyncSession, args: dict[str, Any], message: str
) -> None:
    deps = await _deps(db)
    with pytest.raises((InvalidInput, NotFound), match=message):
        await call_tool("generate_plan", deps, args)
    assert (
        await db.execute(
            select(func.count()).select_from(TrainingPlan).where(TrainingPlan.user_id == deps.user_id)
        )
    ).scalar_one() == 0


async def test_the_race_calendar_sets_the_goal_and_an_earlier_a_race_is_not_run_over(
    db: AsyncSession,
) -> None:
    """The issue's case: a half on 2027-02-28 asked for while the A race is on 2027-01-31."""
    deps = await _deps(db)

    async def race(name: str, day: str, distance: str, priority: str) -> dict[str, Any]:
        args = {"name": name, "date": day, "distance": distance, "priority": priority}
        return (await call_tool("add_race", deps, args)).model_dump()

    a_race = await race("Winter Half", "2027-01-31", "half", "A")
    b_race = await race("Club 10K", "2027-01-10", "10k", "B")
    await race("Parkrun", "2026-12-12", "5k", "C")
    base = {k: v for k, v in MARATHON.items() if k not in ("race_date", "distance", "goal_time_s")}
    base["vdot"] = 45

    with pytest.raises(Conflict, match="Winter Half on 2027-01-31"):
        await call_tool("generate_plan", deps, {**base, "race_date": "2027-02-28", "distance": "half"})
    # no race named: the next A race is the goal; the B and C races before it are named in the notes
    out = (await call_tool("generate_plan", deps, base)).model_dump()
    assert out["race_date"].isoformat() == "2027-01-31" and out["race_distance_m"] == 21_097.5
    row = (await db.execute(select(TrainingPlan).where(TrainingPlan.id == out["plan_id"]))).scalar_one()
    assert row.race_id == a_race["id"]
    assert any("C race Parkrun" in n for n in out["notes"])
    assert "B race Club 10K on 2027-01-10: easy days before and after it (a mini-taper)" in out["notes"]
    sessions = {x["date"].isoformat(): x for w in out["weeks"] for x in w["sessions"]}
    assert sessions["2027-01-10"]["title"] == "B race: Club 10K" and not sessions["2027-01-10"]["is_key"]
    around = ("2027-01-08", "2027-01-09", "2027-01-11")
    assert not any(sessions[d]["is_key"] for d in around if d in sessions)
    # a date that has a race on the calendar plans to that race (its distance, its id)
    again = {**base, "race_date": "2027-01-10", "replace_active": True}
    to_b = (await call_tool("generate_plan", deps, again)).model_dump()
    assert to_b["race_distance_m"] == 10_000
    row = (await db.execute(select(TrainingPlan).where(TrainingPlan.id == to_b["plan_id"]))).scalar_one()
    assert row.race_id == b_race["id"]
