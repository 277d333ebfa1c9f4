"""The weekly series' running distance: the runs' kilometres per week of the athlete's local days."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import User
from tests.factories import create_activity, create_user, make_samples
from tools.activities.store import NewActivity, store_activity
from tools.deps import ToolDeps
from tools.registry import call_tool
from tools.training_load.training_load import TrainingLoadOutput

TZ = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # Wednesday 12:00 in Los Angeles
DAYS = 28


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).astimezone(UTC)


async def _run(db: AsyncSession, user: User, start: datetime, km: float, sport: str = "running") -> None:
    activity = await create_activity(db, user, start=start, seconds=60, sport=sport)
    activity.distance_m = km * 1000


async def _weekly(db: AsyncSession, user: User) -> dict[date, float]:
    deps = ToolDeps.for_user(db, user, now=NOW)
    out = await call_tool("training_load", deps, {"days": DAYS, "resolution": "week"})
    assert isinstance(out, TrainingLoadOutput) and out.weekly is not None
    return {w.week_start: w.distance_km for w in out.weekly}


async def test_distance_per_week_is_the_sum_of_its_runs_by_local_date(db: AsyncSession) -> None:
    user = await create_user(db, timezone=TZ.key)
    today = NOW.astimezone(TZ).date()
    first = today - timedelta(days=DAYS - 1)
    rng = random.Random(7)
    runs: list[tuple[datetime, float]] = []
    for k in range(-4, DAYS):  # a few days before the window too: they must not count
        day = first + timedelta(days=k)
        for _ in range(rng.choice([0, 1, 1, 2])):
            hour = rng.randint(0, 11 if day == today else 23)
            runs.append((_at(day, hour, rng.randint(0, 59)), round(rng.uniform(3, 25), 3)))
        if day.weekday() == 6:  # Sunday 23:30 local is Monday in UTC (also across the DST change on Nov 1)
            runs.append((_at(day, 23, 30), round(rng.uniform(3, 25), 3)))
    for start, km in runs:
        await _run(db, user, start, km)
    await db.flush()

    want: dict[date, float] = defaultdict(float)
    for start, km in runs:
        local = start.astimezone(TZ).date()
        if first <= local <= today:
            want[local - timedelta(days=local.weekday())] += km
    got = await _weekly(db, user)

    assert list(got) == [first - timedelta(days=first.weekday()) + timedelta(weeks=n) for n in range(5)]
    assert {week: km for week, km in got.items() if km} == pytest.approx(dict(want), abs=0.006)
    # the Sunday runs at 23:30 local fall on Monday in UTC: by UTC dates the weeks would differ
    by_utc: dict[date, float] = defaultdict(float)
    for start, km in runs:
        if first <= start.astimezone(TZ).date() <= today:
            by_utc[start.date() - timedelta(days=start.date().weekday())] += km
    assert by_utc != pytest.approx(dict(want), abs=0.006)


async def test_only_this_athletes_running_counts_including_multisport_run_legs(db: AsyncSession) -> None:
    me = await create_user(db, timezone=TZ.key)
    other = await create_user(db, timezone=TZ.key)
    monday = date(2026, 11, 16)
    await _run(db, me, _at(monday, 7), 10.0)
    await _run(db, me, _at(monday, 18), 40.0, sport="cycling")
    await _run(db, me, _at(monday + timedelta(days=1), 7), 5.0, sport="walking")
    await _run(db, other, _at(monday + timedelta(days=2), 7), 30.0)

    brick = _at(monday + timedelta(days=5), 9)
    legs = [("running", 5.0), ("cycling", 20.0), ("running", 2.5)]
    await _multisport(db, me, brick, "multisport", legs)
    split_run = _at(monday + timedelta(days=6), 9)  # one run saved as two sessions: a run of 10 km
    await _multisport(db, me, split_run, "running", [("running", 6.0), ("running", 4.0)])
    await db.flush()

    mine = await _weekly(db, me)
    theirs = await _weekly(db, other)
    assert mine[monday] == pytest.approx(10.0 + 5.0 + 2.5 + (6.0 + 4.0))
    assert theirs[monday] == pytest.approx(30.0)
    assert sum(mine.values()) == pytest.approx(mine[monday]) and sum(theirs.values()) == pytest.approx(30.0)


async def _multisport(
    db: AsyncSession, user: User, start: datetime, sport: str, legs: list[tuple[str, float]]
) -> None:
    new_legs = []
    for index, (leg_sport, km) in enumerate(legs):
        leg_start = start + timedelta(minutes=30 * index)
        new_legs.append(
            NewActivity(
                fields={
                    "sport": leg_sport,
                    "start_time": leg_start,
                    "elapsed_s": 60.0,
                    "distance_m": km * 1000,
                },
                samples=make_samples(leg_start, 60),
            )
        )
    total = sum(km for _, km in legs) * 1000
    await store_activity(
        db,
        user.id,
        NewActivity(
            fields={
                "source": "test",
                "sport": sport,
                "start_time": start,
                "elapsed_s": 3600.0,
                "distance_m": total,
            },
            legs=new_legs,
        ),
    )
