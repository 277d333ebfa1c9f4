"""Per-activity load (TRIMP → rTSS → duration) and the `training_load` series against the pure science."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity, DailyHealth
from tests.factories import create_activity, create_user
from tests.tools.samples.sample_data import create_run, varied_run_series
from tools.deps import ToolDeps
from tools.registry import call_tool
from tools.training_load.activity import (
    compute_activity_load,
    duration_load,
    timed_seconds,
    trimp_load,
)
from tools.training_load.science import acute_chronic_ratios, daily_loads, fitness_fatigue, monotony, strain
from tools.training_load.stress import banister_trimp, centred_grades, normalized_graded_pace, rtss

NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
START = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)


def test_trimp_load_is_100_for_an_hour_at_threshold() -> None:
    t = [float(i) for i in range(3600)]
    load = trimp_load(t, [170.0] * 3600, resting_hr=50, max_hr=190, threshold_hr=170, sex="female")
    assert load == pytest.approx(100.0)
    easy = trimp_load(t, [140.0] * 3600, resting_hr=50, max_hr=190, threshold_hr=170, sex="female")
    assert 40 < easy < 60  # an easy hour is about half a threshold hour
    assert duration_load(3600) == pytest.approx(49.0)


def test_centred_grades_and_timed_seconds() -> None:
    altitude = [float(i) for i in range(20)]  # +1 m per sample
    distance = [10.0 * i for i in range(20)]  # 10 m per sample: a 10 % grade
    grades = centred_grades(altitude, distance)
    assert grades[:5] == [None] * 5 and grades[-5:] == [None] * 5
    assert all(g == pytest.approx(0.10) for g in grades[5:15])
    assert timed_seconds([0, 1, 2, 100, 101]) == 1 + 1 + 10 + 1 + 1  # the 98-s pause counts 10 s


async def test_heart_rate_gives_trimp_with_profile_anchors(db: AsyncSession) -> None:
    user = await create_user(db, max_hr=190, resting_hr=50, lthr=170, sex="female")
    series = varied_run_series(2400, seed=3)
    run = await create_run(db, user, START, heart_rate=series["heart_rate"], speed_mps=series["speed_mps"])
    result = await compute_activity_load(db, run.activity)
    t = [START.timestamp() + i for i in range(2400)]
    trimp = banister_trimp(series["heart_rate"], 50, 190, "female", timestamps_s=t)
    reference = banister_trimp([170.0] * 3600, 50, 190, "female")
    assert result is not None and result.method == "trimp"
    assert result.load == pytest.approx(trimp * 100 / reference)
    assert run.activity.training_load == round(result.load, 1) and run.activity.load_method == "trimp"
    assert "profile" in result.detail


async def test_pace_gives_rtss_without_heart_rate(db: AsyncSession) -> None:
    user = await create_user(db, threshold_pace_s_per_km=255.0)
    series = varied_run_series(1800, seed=4)
    run = await create_run(
        db,
        user,
        START,
        heart_rate=[None] * 1800,
        speed_mps=series["speed_mps"],
        altitude_m=series["altitude_m"],
    )
    result = await compute_activity_load(db, run.activity)
    speeds = [None if v is None else float(_f32(v)) for v in series["speed_mps"]]
    altitude = [_f32(a) for a in series["altitude_m"]]
    ngp = normalized_graded_pace(speeds, centred_grades(altitude, run.distance_m))
    assert ngp is not None
    want = rtss(timed_seconds([START.timestamp() + i for i in range(1800)]), ngp, 255.0)
    assert result is not None and result.method == "rtss"
    assert result.load == pytest.approx(want, rel=1e-6)


async def test_without_heart_rate_or_pace_the_duration_is_used_and_labelled(db: AsyncSession) -> None:
    user = await create_user(db)
    ride = await create_run(
        db, user, START, heart_rate=[None] * 600, speed_mps=[8.0] * 600, sport="cycling", moving_s=1800.0
    )
    result = await compute_activity_load(db, ride.activity)
    assert result is not None and result.method == "duration"
    assert result.load == pytest.approx(duration_load(1800)) and "counted as easy" in result.detail
    no_threshold = await create_run(
        db, user, START + timedelta(days=1), heart_rate=[None] * 600, speed_mps=[1.0] * 600
    )
    assert (await compute_activity_load(db, no_threshold.activity)).method == "duration"  # type: ignore[union-attr]


async def test_anchors_are_estimated_from_data_and_health_when_unset(db: AsyncSession) -> None:
    user = await create_user(db, sex=None)
    for k in range(10):
        db.add(
            DailyHealth(user_id=user.id, day=date(2026, 11, 10) + timedelta(days=k), resting_hr=46 + k % 3)
        )
    rng = random.Random(5)
    hr = [int(150 + 35 * math.sin(i / 400) ** 2 + rng.randint(-2, 2)) for i in range(3000)]
    run = await create_run(db, user, START, heart_rate=hr, speed_mps=[3.2] * 3000)
    result = await compute_activity_load(db, run.activity)
    assert result is not None and result.method == "trimp"
    assert "max 18" in result.detail and "estimated" in result.detail  # max ≈ 185 from the data
    assert "resting 47 estimated" in result.detail and "male weighting assumed" in result.detail


def _f32(x: float) -> float:
    import struct

    return struct.unpack("f", struct.pack("f", x))[0]


async def _loads(
    db: AsyncSession, tz: ZoneInfo, days: int, seed: int
) -> tuple[ToolDeps, list[tuple[date, float]]]:
    user = await create_user(db, timezone=tz.key)
    deps = ToolDeps.for_user(db, user, now=NOW)
    rng = random.Random(seed)
    loads: list[tuple[date, float]] = []
    for k in range(days):
        day = deps.today - timedelta(days=days - 1 - k)
        for _ in range(rng.choice([0, 0, 1, 1, 1, 2])):
            load = round(rng.uniform(20, 160), 1)
            start = datetime.combine(day, time(rng.randint(0, 23), rng.randint(0, 59)), tzinfo=tz)
            activity = await create_activity(db, user, start=start.astimezone(UTC), seconds=60)
            activity.training_load, activity.load_method = load, "trimp"
            loads.append((day, load))
    await db.flush()
    return deps, loads


async def test_training_load_equals_the_pure_computation(db: AsyncSession) -> None:
    tz = ZoneInfo("Asia/Tokyo")
    deps, loads = await _loads(db, tz, 150, seed=11)
    out = (await call_tool("training_load", deps, {"days": 60})).model_dump()

    first = min(day for day, _ in loads)
    series = daily_loads(loads, start=first, end=deps.today)
    points = fitness_fatigue(series)
    ratios = acute_chronic_ratios([p.load for p in series], "rolling")
    ewma = acute_chronic_ratios([p.load for p in series], "ewma")
    assert [d["day"] for d in out["daily"]] == [p.day for p in points[-60:]]
    for got, want, ratio in zip(out["daily"], points[-60:], ratios[-60:], strict=True):
        assert got["load"] == pytest.approx(want.load, abs=0.05)
        assert got["ctl"] == pytest.approx(want.ctl, abs=0.05)
        assert got["atl"] == pytest.approx(want.atl, abs=0.05)
        assert got["tsb"] == pytest.approx(want.tsb, abs=0.05)
        assert got["acwr"] == pytest.approx(ratio, abs=0.005)
    today = out["today"]
    week = [p.load for p in points[-7:]]
    assert today["ctl"] == pytest.approx(points[-1].ctl, abs=0.05)
    assert today["acwr_ewma"] == pytest.approx(ewma[-1], abs=0.005)
    assert today["monotony_7d"] == pytest.approx(monotony(week), abs=0.005)
    assert today["strain_7d"] == pytest.approx(strain(week), abs=0.05)
    assert today["load_7d"] == pytest.approx(sum(week), abs=0.05)
    assert today["ctl_change_7d"] == pytest.approx(points[-1].ctl - points[-8].ctl, abs=0.05)
    assert out["activities_by_method"] == {
        "trimp": sum(1 for d, _ in loads if d >= deps.today - timedelta(59))
    }

    weekly = (await call_tool("training_load", deps, {"days": 140, "acwr_method": "ewma"})).model_dump()
    assert weekly["daily"] is None and weekly["weekly"][-1]["ctl"] == pytest.approx(points[-1].ctl, abs=0.05)
    complete = [w for w in weekly["weekly"] if w["monotony"] is not None]
    by_day = {p.day: p.load for p in points}
    for week_point in complete:
        week_loads = [by_day[week_point["week_start"] + timedelta(days=k)] for k in range(7)]
        assert week_point["load"] == pytest.approx(sum(week_loads), abs=0.05)
        assert week_point["monotony"] == pytest.approx(monotony(week_loads), abs=0.005)


async def test_days_are_local_and_other_users_do_not_count(db: AsyncSession) -> None:
    tz = ZoneInfo("America/Los_Angeles")
    deps, mine_today = await _loads(db, tz, 1, seed=1)  # a fresh athlete (maybe with activities today)
    other, _ = await _loads(db, tz, 40, seed=2)
    late = datetime.combine(deps.today - timedelta(days=1), time(23, 30), tzinfo=tz)  # 07:30 UTC today
    activity = await create_activity(db, deps.user, start=late.astimezone(UTC), seconds=60)
    activity.training_load, activity.load_method = 80.0, "rtss"
    await db.flush()
    out = (await call_tool("training_load", deps, {"days": 7})).model_dump()
    by_day = {d["day"]: d["load"] for d in out["daily"]}
    assert by_day[deps.today - timedelta(days=1)] >= 80.0  # counted on the local day it happened
    mine = sum(d["load"] for d in out["daily"])
    assert mine == pytest.approx(80.0 + sum(load for _, load in mine_today))
    theirs = (await call_tool("training_load", other, {"days": 7})).model_dump()
    assert "rtss" in out["activities_by_method"] and "rtss" not in theirs["activities_by_method"]


async def test_activities_without_load_are_measured_on_the_way(db: AsyncSession) -> None:
    user = await create_user(db, max_hr=190, resting_hr=50, lthr=170)
    deps = ToolDeps.for_user(db, user, now=NOW)
    run = await create_activity(db, user, start=NOW - timedelta(days=2), seconds=1200)
    assert run.load_method is None
    out = (await call_tool("training_load", deps, {"days": 14})).model_dump()
    assert "measured the load of 1 activities" in out["notes"][0]
    assert run.load_method == "trimp" and run.training_load and run.training_load > 0
    assert out["daily"][-3]["load"] == pytest.approx(run.training_load)
    assert isinstance(run, Activity)


async def test_an_lthr_from_easy_running_is_not_believed(db: AsyncSession) -> None:
    from tools.zones.anchors import AnchorResolver

    user = await create_user(db, max_hr=190, resting_hr=50)
    await create_run(db, user, START, heart_rate=[140] * 1800, speed_mps=[3.0] * 1800)
    lthr = await AnchorResolver(db, user, today=NOW.date()).lthr()
    assert lthr is not None and lthr.source == "assumed" and lthr.value == 50 + 0.85 * 140
    assert "look like training" in lthr.detail


async def test_imports_share_estimates_but_never_stale_profile_values(db: AsyncSession) -> None:
    from tools.zones import anchors

    user = await create_user(db)
    first = await create_run(
        db, user, START, heart_rate=[150 + i % 30 for i in range(1800)], speed_mps=[3.0] * 1800
    )
    await compute_activity_load(db, first.activity)
    memo = anchors._shared_memo(user.id, START.date())  # anchors as of the activity's own day
    assert memo["max_hr"] is not None and memo["max_hr"].source == "estimated"
    user.max_hr = 200  # the athlete sets it: the next import uses it at once
    second = await create_run(
        db, user, START + timedelta(days=1), heart_rate=[150] * 600, speed_mps=[3.0] * 600
    )
    result = await compute_activity_load(db, second.activity)
    assert result is not None and "max 200 profile" in result.detail


async def test_a_new_athletes_old_file_is_measured_by_its_heart_rate(db: AsyncSession) -> None:
    """A real 2015 watch file as a new athlete's first upload: the anchors are estimated as of that day
    from the file itself (not from "the last 365 days", which hold nothing), so the load is TRIMP."""
    from tests.support.shared_data import require
    from tools.activities.importer import import_fit

    user = await create_user(db, sex=None, max_hr=None, resting_hr=None, lthr=None)
    data = require("fit/fitdecode/tests/files/activity-small-fenix2-run.fit").read_bytes()
    imported = await import_fit(db, user.id, data, filename="fenix2.fit")
    activity = await db.get(Activity, imported.activity_id)
    assert activity is not None and activity.start_time.year == 2015 and activity.max_hr
    assert activity.load_method == "trimp"
    result = await compute_activity_load(db, activity)
    assert result is not None and "estimated" in result.detail
    estimated_max = float(result.detail.split("(max ")[1].split()[0])  # spikes filtered: at most the peak
    assert activity.max_hr - 5 <= estimated_max <= activity.max_hr


async def test_no_estimate_yet_is_not_shared(db: AsyncSession) -> None:
    """A first activity that allows no max-HR estimate (a walk: nothing near a maximum) must not keep the
    next one, a run, from TRIMP within the shared memo's ten minutes."""
    user = await create_user(db, sex=None)
    walk = await create_run(
        db,
        user,
        START,
        heart_rate=[95 + i % 10 for i in range(1800)],
        speed_mps=[None] * 1800,
        sport="walking",
    )
    assert (await compute_activity_load(db, walk.activity)).method == "duration"  # type: ignore[union-attr]
    hr = [150 + i % 30 for i in range(1800)]
    run = await create_run(db, user, START + timedelta(hours=3), heart_rate=hr, speed_mps=[3.0] * 1800)
    result = await compute_activity_load(db, run.activity)
    assert result is not None and result.method == "trimp"
