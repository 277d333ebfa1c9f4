"""fitness_metrics on real FIT files and on the demo athlete: the stored-samples path reproduces the pure
estimator, unsteady runs are left out, only the athlete's own runs count, marathon shape adds up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity
from tests.factories import create_user
from tests.support.shared_data import require
from tools.activities.demo import seed_demo
from tools.activities.fit.decode import decode_fit
from tools.activities.importer import import_fit
from tools.deps import ToolDeps
from tools.fitness.vo2max import estimate_run_vo2max, steady_segments
from tools.registry import call_tool
from tools.training_load.stress import centred_grades

FIT = "fit/fitdecode/tests/files"
STEADY_RUN = "activity-small-fenix2-run.fit"
STOP_START_RUN = "2013-02-06-12-11-14.fit"  # a run broken by stops: no steady block at all


def _pure_estimate(data: bytes, name: str, max_hr: float, resting: float) -> float:
    parsed = decode_fit(data, filename=name, decoder="fast")
    s = parsed.samples
    t = [x.timestamp() for x in s.ts]
    segments = steady_segments(t, s.speed_mps, s.heart_rate, centred_grades(s.altitude_m, s.distance_m))
    estimate = estimate_run_vo2max(segments, max_hr, resting)
    assert estimate is not None
    return estimate.vo2max


async def _import(db: AsyncSession, user_id: int, name: str) -> tuple[int, bytes]:
    data = require(f"{FIT}/{name}").read_bytes()
    result = await import_fit(db, user_id, data, filename=name)
    assert result.activity_id is not None
    return result.activity_id, data


async def test_real_runs_through_the_stored_samples(db: AsyncSession) -> None:
    user = await create_user(db, max_hr=190, resting_hr=50)
    steady_id, steady_data = await _import(db, user.id, STEADY_RUN)
    stop_start_id, _ = await _import(db, user.id, STOP_START_RUN)
    stranger = await create_user(db, max_hr=190, resting_hr=50)
    await _import(db, stranger.id, STEADY_RUN)
    steady = await db.get(Activity, steady_id)
    assert steady is not None
    deps = ToolDeps.for_user(db, user, now=steady.start_time + timedelta(days=1))

    out = (await call_tool("fitness_metrics", deps, {"days": 365})).model_dump()

    assert out["method"] == "hrr" and out["max_hr"]["source"] == "profile"
    assert [r["activity_id"] for r in out["runs"]] == [steady_id]  # the stop-start run has no steady block
    assert stop_start_id not in [r["activity_id"] for r in out["runs"]]
    run = out["runs"][0]
    assert run["vo2max"] == pytest.approx(_pure_estimate(steady_data, STEADY_RUN, 190, 50), abs=0.05)
    assert 35 <= run["vo2max"] <= 65 and run["steady_min"] >= 5 and run["segments"] >= 3
    assert out["trend"]["runs"] == 1 and out["trend"]["direction"] == "unknown"
    shape = out["marathon_shape"]
    assert shape["vdot"] == run["vo2max"] and shape["vdot_basis"].startswith("effective VO2max")
    assert 0 < shape["percent"] < 20  # two short runs are no marathon training


async def test_a_lower_max_heart_rate_means_a_higher_share_and_a_lower_vo2max(db: AsyncSession) -> None:
    values = []
    for max_hr in (200, 185):
        user = await create_user(db, max_hr=max_hr, resting_hr=50)
        activity_id, _ = await _import(db, user.id, STEADY_RUN)
        activity = await db.get(Activity, activity_id)
        assert activity is not None
        deps = ToolDeps.for_user(db, user, now=activity.start_time + timedelta(days=1))
        out = (await call_tool("fitness_metrics", deps, {"days": 30})).model_dump()
        values.append(out["runs"][0]["vo2max"])
    assert values[0] > values[1]


async def test_without_heart_rate_anchors_it_says_so(db: AsyncSession) -> None:
    user = await create_user(db)
    deps = ToolDeps.for_user(db, user, now=datetime(2026, 11, 23, tzinfo=UTC))
    out = (await call_tool("fitness_metrics", deps, {"days": 5000})).model_dump()
    assert out["runs"] == [] and out["trend"] is None and out["marathon_shape"] is None
    assert "days clamped to 365" in out["notes"]
    assert any("no max heart rate" in n for n in out["notes"])


async def test_demo_athlete_trend_and_marathon_shape(db: AsyncSession) -> None:
    tz = ZoneInfo("Europe/Berlin")
    today = datetime(2026, 11, 23, 12, tzinfo=tz)
    seeded = await seed_demo(db, "vo2-demo@example.com", "demo-runner", weeks=10, today=today.date())
    deps = ToolDeps.for_user(db, seeded.user, now=today)
    out = (await call_tool("fitness_metrics", deps, {"days": 90})).model_dump()

    assert out["method"] == "hrr" and out["resting_hr"]["source"] == "profile"
    assert len(out["runs"]) >= 20
    assert all(30 <= r["vo2max"] <= 70 for r in out["runs"])
    days = [r["day"] for r in out["runs"]]
    assert days == sorted(days)
    assert out["trend"]["slope_per_30d"] is not None and out["trend"]["runs"] == len(out["runs"])

    # marathon shape: its weekly volume is the demo's own running over the last 8 weeks
    yesterday = today.date() - timedelta(days=1)
    runs = await _activities(db, seeded.user.id)
    last_8_weeks = [
        a.distance_m or 0.0 for a in runs if 0 <= (yesterday - a.start_time.astimezone(tz).date()).days < 56
    ]
    shape = out["marathon_shape"]
    assert shape["weekly_km"] == pytest.approx(sum(last_8_weeks) / 1000 / 8, abs=0.05)
    assert shape["vdot"] == out["trend"]["current"]
    assert 0 < shape["percent"] < 90 and shape["label"] in ("possible", "not_ready")


async def _activities(db: AsyncSession, user_id: int) -> list[Activity]:
    return list((await db.execute(select(Activity).where(Activity.user_id == user_id))).scalars())
