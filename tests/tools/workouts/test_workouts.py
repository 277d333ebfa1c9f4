"""Workouts stored as structure + flattened steps; generate_workout at the athlete's paces; push_workout
through the real garminconnect client to the Garmin fake."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.database import session_scope
from core.errors import InvalidInput, NotFound
from core.models import PlannedSession, User
from tests.factories import create_user
from tests.fakes import FakeGarmin
from tests.tools.samples.sample_data import create_run
from tools.deps import ToolDeps
from tools.fitness.vdot import training_paces, vdot_from_race
from tools.garmin.auth import connect_garmin
from tools.registry import call_tool, get_tool
from tools.workouts.garmin_payload import garmin_workout
from tools.workouts.model import (
    EndByTime,
    HeartRateTarget,
    Intensity,
    PowerTarget,
    Step,
    StepType,
    Workout,
    WorkoutKind,
)
from tools.workouts.sessions import build_workout
from tools.workouts.store import load_workout, save_workout, step_rows

EMAIL = "runner@example.com"
PASSWORD = "correct horse battery staple"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_a_workout_is_stored_whole_and_flattened(db: AsyncSession) -> None:
    user = await create_user(db)
    workout = build_workout(WorkoutKind.INTERVALS, training_paces(50.0), quality_minutes=20)
    row = await save_workout(db, user.id, workout)
    same_row, again = await load_workout(db, user.id, row.id)
    assert again == workout and same_row is row
    steps = await step_rows(db, user.id, row.id)
    assert [(s.ordinal, s.step_type) for s in steps] == [
        (1, "warmup"),
        (2, "repeat"),
        (3, "active"),
        (4, "recovery"),
        (5, "cooldown"),
    ]
    repeat = steps[1]
    assert repeat.repeat_count == 5 and repeat.parent_step_id is None
    assert steps[2].parent_step_id == repeat.id and steps[3].parent_step_id == repeat.id
    assert steps[2].end_type == "distance" and steps[2].end_value == 1000.0
    assert (
        steps[2].target_type == "pace"
        and steps[2].target_low is not None
        and steps[2].target_high is not None
    )
    assert steps[2].target_low < steps[2].target_high  # fastest first (s/km)
    assert steps[0].end_type == "time" and steps[0].end_value == 900.0
    assert row.estimated_duration_s and row.estimated_distance_m and row.kind == "intervals"
    stranger = await create_user(db)
    with pytest.raises(NotFound):
        await load_workout(db, stranger.id, row.id)


async def test_generate_workout_paces_from_the_athletes_fitness(db: AsyncSession) -> None:
    user = await create_user(db)
    deps = ToolDeps.for_user(db, user, now=NOW)
    with pytest.raises(InvalidInput, match="No pace reference"):
        await call_tool("generate_workout", deps, {"kind": "tempo"})
    given = (await call_tool("generate_workout", deps, {"kind": "tempo", "vdot": 50})).model_dump()
    assert given["vdot_basis"] == "given" and given["steps"][1].startswith("Run 20:00 @ 4:19–4:11/km")
    # a 20:00 5K inside a run sets the fitness
    speeds = [1000 / 330] * 600 + [1000 / 240] * 1200 + [1000 / 330] * 300
    await create_run(db, user, NOW - timedelta(days=5), heart_rate=[150] * len(speeds), speed_mps=speeds)
    found = (
        await call_tool(
            "generate_workout", deps, {"kind": "intervals", "quality_minutes": 500, "date": "2026-11-25"}
        )
    ).model_dump()
    assert found["vdot"] == pytest.approx(vdot_from_race(5000, 1200), abs=0.1)
    assert found["vdot_basis"].startswith("best 5K") and "quality_minutes clamped to 150" in found["notes"]
    assert found["scheduled_date"].isoformat() == "2026-11-25"
    shown = (await call_tool("get_workout", deps, {"workout_id": found["workout_id"]})).model_dump()
    assert shown["steps"] == found["steps"] and shown["garmin_workout_id"] is None
    with pytest.raises(InvalidInput, match="in the past"):
        await call_tool("generate_workout", deps, {"kind": "easy", "vdot": 45, "date": "2026-11-01"})
    other = ToolDeps.for_user(db, await create_user(db), now=NOW)
    with pytest.raises(NotFound):
        await call_tool("get_workout", other, {"workout_id": found["workout_id"]})


# ---- push_workout against the Garmin fake -------------------------------------------------------------


@pytest.fixture
def garmin(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGarmin]:
    with FakeGarmin(email=EMAIL, password=PASSWORD) as fake:
        monkeypatch.delenv("GARMINTOKENS", raising=False)
        fake.apply_env(monkeypatch)
        yield fake
        assert fake.errors == [] and fake.refused == []


@asynccontextmanager
async def committed_athlete() -> AsyncIterator[User]:
    async with session_scope() as session:
        user = await create_user(session)
    try:
        yield user
    finally:
        async with session_scope() as session:
            await session.execute(text("DELETE FROM activity_samples WHERE user_id = :u"), {"u": user.id})
            await session.execute(text("DELETE FROM users WHERE id = :u"), {"u": user.id})


@pytest.fixture
async def athlete(engine: AsyncEngine, redis: Redis, garmin: FakeGarmin) -> AsyncIterator[User]:
    async with committed_athlete() as user:
        await connect_garmin(user.id, EMAIL, PASSWORD)
        garmin.clear_log()
        yield user


async def _call(user: User, name: str, args: dict[str, Any]) -> dict[str, Any]:
    async with session_scope() as session:
        deps = ToolDeps.for_user(session, await session.get_one(User, user.id))
        return (await call_tool(name, deps, args)).model_dump()


async def test_push_sends_the_exact_payload_and_schedules_it(garmin: FakeGarmin, athlete: User) -> None:
    assert get_tool("push_workout").side_effect is True
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    made = await _call(
        athlete,
        "generate_workout",
        {"kind": "intervals", "vdot": 50, "quality_minutes": 20, "date": day.isoformat()},
    )
    pushed = await _call(athlete, "push_workout", {"workout_id": made["workout_id"]})

    async with session_scope() as session:
        row, workout = await load_workout(session, athlete.id, made["workout_id"])
    expected = garmin_workout(workout, name=row.name)
    assert garmin.posted_workouts == [expected]  # exactly what the client sent, byte for byte as JSON
    garmin_id = int(pushed["garmin_workout_id"])
    assert garmin.posted_schedules == [(garmin_id, {"date": day.isoformat()})]
    assert row.garmin_workout_id == str(garmin_id) and row.pushed_at is not None
    assert pushed["scheduled_date"] == day

    # what Garmin stored reads back as the paces we meant, in m/s
    stored = garmin.workouts[garmin_id]
    reps = stored["workoutSegments"][0]["workoutSteps"][1]["workoutSteps"]
    interval = reps[0]
    assert interval["targetType"]["workoutTargetTypeId"] == 6
    i_pace = training_paces(50.0).interval_s_per_km
    assert 1000 / interval["targetValueTwo"] == pytest.approx(i_pace * 0.985, abs=0.01)
    assert 1000 / interval["targetValueOne"] == pytest.approx(i_pace * 1.015, abs=0.01)
    assert any(
        line.startswith("5 × [interval 1000 m: pace 3:58–3:51/km") for line in pushed["as_garmin_shows"]
    )

    # pushing again replaces the copy on Garmin
    again = await _call(athlete, "push_workout", {"workout_id": made["workout_id"]})
    assert again["replaced_garmin_workout_id"] == str(garmin_id)
    assert garmin_id not in garmin.workouts and int(again["garmin_workout_id"]) in garmin.workouts


async def test_push_is_user_scoped_and_checks_dates(garmin: FakeGarmin, athlete: User) -> None:
    made = await _call(athlete, "generate_workout", {"kind": "easy", "vdot": 45})
    async with committed_athlete() as stranger:
        with pytest.raises(NotFound):
            await _call(stranger, "push_workout", {"workout_id": made["workout_id"]})
    with pytest.raises(InvalidInput, match="in the past"):
        await _call(athlete, "push_workout", {"workout_id": made["workout_id"], "date": "2020-01-01"})
    assert garmin.posted_workouts == []


async def test_push_without_an_id_sends_the_plans_session_for_that_day(
    garmin: FakeGarmin, athlete: User
) -> None:
    today = datetime.now(UTC).date()
    race = today + timedelta(weeks=12)
    await _call(
        athlete,
        "generate_plan",
        {
            "race_date": race.isoformat(),
            "race_distance_m": 21097.5,
            "days_per_week": 4,
            "vdot": 45,
            "current_weekly_km": 35,
        },
    )
    async with session_scope() as session:
        planned = (
            await session.execute(
                select(PlannedSession)
                .where(
                    PlannedSession.user_id == athlete.id,
                    PlannedSession.date > today,
                    PlannedSession.workout_id.is_not(None),
                )
                .order_by(PlannedSession.date)
                .limit(1)
            )
        ).scalar_one()
    pushed = await _call(athlete, "push_workout", {"date": planned.date.isoformat()})
    assert pushed["workout_id"] == planned.workout_id and pushed["scheduled_date"] == planned.date
    assert garmin.posted_schedules == [(int(pushed["garmin_workout_id"]), {"date": planned.date.isoformat()})]

    planned_days = await _planned_days(athlete)
    empty_day = next(
        today + timedelta(days=n) for n in range(1, 14) if today + timedelta(days=n) not in planned_days
    )
    with pytest.raises(NotFound, match="no session to send"):
        await _call(athlete, "push_workout", {"date": empty_day.isoformat()})
    assert len(garmin.posted_workouts) == 1


async def _planned_days(user: User) -> set[date]:
    async with session_scope() as session:
        rows = await session.execute(
            select(PlannedSession.date).where(
                PlannedSession.user_id == user.id, PlannedSession.workout_id.is_not(None)
            )
        )
        return set(rows.scalars())


async def test_power_and_heart_rate_targets_reach_garmin_as_watts_and_bpm(
    garmin: FakeGarmin, athlete: User
) -> None:
    workout = Workout(
        kind=WorkoutKind.TEMPO,
        name="Power tempo",
        blocks=[
            Step(
                step_type=StepType.WARMUP,
                end=EndByTime(seconds=600),
                target=HeartRateTarget(low_bpm=125, high_bpm=140),
                estimated_pace_s_per_km=330,
            ),
            Step(
                step_type=StepType.ACTIVE,
                end=EndByTime(seconds=1200),
                target=PowerTarget(low_w=240, high_w=260),
                intensity=Intensity.HARD,
                estimated_pace_s_per_km=260,
            ),
        ],
    )
    async with session_scope() as session:
        row = await save_workout(session, athlete.id, workout)
    pushed = await _call(athlete, "push_workout", {"workout_id": row.id})
    stored = garmin.workouts[int(pushed["garmin_workout_id"])]
    warmup, tempo = stored["workoutSegments"][0]["workoutSteps"]
    assert tempo["targetType"]["workoutTargetTypeId"] == 2  # power.zone: watts, never speed.zone
    assert (tempo["targetValueOne"], tempo["targetValueTwo"]) == (240, 260)
    assert warmup["targetType"]["workoutTargetTypeId"] == 4
    assert (warmup["targetValueOne"], warmup["targetValueTwo"]) == (125, 140)
    assert pushed["as_garmin_shows"] == [
        "warmup 10:00: heart rate 125–140 bpm",
        "interval 20:00: power 240–260 W",
    ]
