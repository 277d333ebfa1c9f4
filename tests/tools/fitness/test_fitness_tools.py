"""race_prediction (against the published table), best efforts, zones and readiness through the registry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import DailyHealth, User
from tests.factories import create_user
from tests.tools.fitness.test_vdot import DANIELS_TABLE, DISTANCES, hms
from tests.tools.samples.sample_data import create_run
from tools.deps import ToolDeps
from tools.fitness.best_times import best_time
from tools.fitness.vdot import training_paces, vdot_from_race
from tools.readiness.science import ReadinessInputs, score_readiness
from tools.registry import call_tool
from tools.zones.science import heart_rate_reserve_zones, lthr_zones, max_hr_zones, pace_zones
from tools.zones.zones import vdot_for_threshold_pace

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def _deps(db: AsyncSession, **fields: Any) -> ToolDeps:
    return ToolDeps.for_user(db, await create_user(db, **fields), now=NOW)


async def test_vdot_50_from_a_1957_5k(db: AsyncSession) -> None:
    deps = await _deps(db)
    out = (await call_tool("race_prediction", deps, '{"distance_m": 5000, "time_s": 1197}')).model_dump()
    assert out["source"] == "input" and out["basis"] == "5K in 19:57 (given)"
    assert out["vdot"] == pytest.approx(50.0, abs=0.3)
    by_name = {p["name"]: p for p in out["predictions"]}
    assert list(by_name) == ["5K", "10K", "half marathon", "marathon"]
    assert by_name["10K"]["daniels_s"] == pytest.approx(hms("41:21"), rel=0.01)
    assert by_name["half marathon"]["daniels_s"] == pytest.approx(hms("1:31:35"), rel=0.01)
    assert by_name["marathon"]["daniels_s"] == pytest.approx(hms("3:10:49"), rel=0.01)
    assert by_name["marathon"]["daniels"].startswith("3:1")
    assert by_name["10K"]["riegel_s"] == pytest.approx(1197 * 2**1.06, abs=0.05)
    assert out["training_paces"]["text"]["threshold"] == "4:15/km"


@pytest.mark.parametrize("vdot", sorted(DANIELS_TABLE))
@pytest.mark.parametrize("column", range(4))
async def test_every_table_row_is_reproduced_within_one_percent(
    db: AsyncSession, vdot: int, column: int
) -> None:
    deps = await _deps(db)
    times = [hms(t) for t in DANIELS_TABLE[vdot]]
    args = {"distance_m": DISTANCES[column], "time_s": times[column]}
    out = (await call_tool("race_prediction", deps, args)).model_dump()
    assert out["vdot"] == pytest.approx(vdot, rel=0.01)
    for prediction, table_time in zip(out["predictions"], times, strict=True):
        assert prediction["daniels_s"] == pytest.approx(table_time, rel=0.01)


def test_best_time_finds_the_fastest_window_and_ignores_gps_jumps() -> None:
    t = [float(i) for i in range(1000)]
    d = [3.0 * i for i in range(1000)]
    for i in range(300, 600):  # 300 s at 5 m/s inside a 3 m/s run
        d[i] = d[299] + 5.0 * (i - 299)
    for i in range(600, 1000):
        d[i] = d[599] + 3.0 * (i - 599)
    assert best_time(t, d, 1000.0) == pytest.approx(200.0)
    jumped = [x + (800.0 if i >= 900 else 0.0) for i, x in enumerate(d)]  # an 800-m GPS jump
    assert best_time(t, jumped, 1000.0) == pytest.approx(200.0)
    assert best_time(t, d, 5000.0) is None
    steady = [4.0 * i for i in range(3000)]
    glitch = [x + (600.0 if i >= 1500 else 0.0) for i, x in enumerate(steady)]  # 4.5 m/s if believed
    assert best_time([float(i) for i in range(3000)], glitch, 5000.0) == pytest.approx(1250.0, abs=3.0)


async def _race_inside_a_run(db: AsyncSession, user: User, day_offset: int, pace_s_per_km: float) -> None:
    """2 km warm-up at 5:30/km, 5 km at `pace_s_per_km`, 1 km cool-down."""
    speeds = [1000 / 330] * 660 + [1000 / pace_s_per_km] * round(5 * pace_s_per_km) + [1000 / 330] * 330
    start = NOW - timedelta(days=day_offset)
    await create_run(db, user, start, heart_rate=[150] * len(speeds), speed_mps=speeds)


async def test_prediction_from_best_efforts_of_the_athlete_only(db: AsyncSession) -> None:
    deps = await _deps(db)
    await _race_inside_a_run(db, deps.user, 10, 240.0)  # a 20:00 5K
    await _race_inside_a_run(db, deps.user, 30, 250.0)
    stranger = await create_user(db)
    await _race_inside_a_run(db, stranger, 5, 200.0)  # much faster: must not count
    out = (await call_tool("race_prediction", deps, {})).model_dump()
    assert out["source"] == "best_effort" and out["effort"]["distance_m"] == 5000.0
    assert out["effort"]["time_s"] == pytest.approx(1200.0, abs=1.0)
    assert out["vdot"] == pytest.approx(vdot_from_race(5000, 1200), abs=0.1)
    assert "best 5K of the last 120 days: 20:00" in out["basis"] and "floor" in out["notes"][0]
    empty = await _deps(db)
    with pytest.raises(InvalidInput, match="distance_m and time_s"):
        await call_tool("race_prediction", empty, {})
    with pytest.raises(InvalidInput, match="both distance_m and time_s"):
        await call_tool("race_prediction", empty, {"distance_m": 5000})


async def test_zones_from_the_profile_match_the_pure_zones(db: AsyncSession) -> None:
    deps = await _deps(db, max_hr=190, resting_hr=50, lthr=170, threshold_pace_s_per_km=255.0)
    out = (await call_tool("zones", deps, {})).model_dump()
    assert out["estimated"] == []
    pure = {
        "max_hr": max_hr_zones(190),
        "hrr": heart_rate_reserve_zones(190, 50),
        "lthr": lthr_zones(170),
    }
    for method, zones in pure.items():
        got = out["heart_rate"][method]
        assert [z["name"] for z in got] == [z.name for z in zones]
        for g, z in zip(got, zones, strict=True):
            assert g["low_bpm"] == (round(z.low_bpm) if z.low_bpm is not None else None)
            assert g["high_bpm"] == (round(z.high_bpm) if z.high_bpm is not None else None)
    assert [z["slowest_s_per_km"] for z in out["pace_zones"]] == [
        round(z.slowest_s_per_km, 1) if z.slowest_s_per_km is not None else None for z in pace_zones(255.0)
    ]
    assert training_paces(out["vdot"]).threshold_s_per_km == pytest.approx(255.0, abs=0.5)
    only = (await call_tool("zones", deps, {"hr_method": "lthr"})).model_dump()
    assert list(only["heart_rate"]) == ["lthr"]


async def test_zones_say_which_inputs_were_estimated(db: AsyncSession) -> None:
    deps = await _deps(db)
    stranger = await create_user(db)
    for k in range(10):
        db.add(DailyHealth(user_id=deps.user_id, day=date(2026, 11, 12) + timedelta(days=k), resting_hr=52))
        db.add(DailyHealth(user_id=stranger.id, day=date(2026, 11, 12) + timedelta(days=k), resting_hr=40))
    await _race_inside_a_run(db, deps.user, 3, 240.0)
    await _race_inside_a_run(db, stranger, 2, 200.0)  # faster, and someone else's
    out = (await call_tool("zones", deps, {})).model_dump()
    assert set(out["estimated"]) == {"max_hr", "resting_hr", "lthr", "threshold_pace"}
    assert (
        out["anchors"]["resting_hr"]["value"] == 52 and out["anchors"]["resting_hr"]["source"] == "estimated"
    )
    assert "too low if none of them was a maximal effort" in out["anchors"]["max_hr"]["detail"]
    assert out["vdot"] == pytest.approx(vdot_from_race(5000, 1200), abs=0.1)
    assert vdot_for_threshold_pace(training_paces(45.0).threshold_s_per_km) == pytest.approx(45.0, abs=1e-6)


async def test_readiness_uses_own_baselines_and_only_own_data(db: AsyncSession) -> None:
    deps = await _deps(db)
    stranger = await create_user(db)
    hrv = [60.0 + (k % 5) for k in range(40)]
    rhr = [48 + (k % 3) for k in range(40)]
    for k in range(40):
        day = deps.today - timedelta(days=40 - k)
        db.add(DailyHealth(user_id=deps.user_id, day=day, hrv_ms=hrv[k], resting_hr=rhr[k], sleep_score=80))
        db.add(DailyHealth(user_id=stranger.id, day=day, hrv_ms=20.0, resting_hr=70))
    db.add(
        DailyHealth(
            user_id=deps.user_id, day=deps.today, hrv_ms=41.0, resting_hr=56, sleep_score=55, sleep_s=5 * 3600
        )
    )
    db.add(DailyHealth(user_id=stranger.id, day=deps.today, hrv_ms=20.0, resting_hr=70))
    await db.flush()
    out = (await call_tool("readiness", deps, {})).model_dump()
    want = score_readiness(
        ReadinessInputs(
            sleep_score=55,
            sleep_duration_h=5.0,
            hrv_rmssd_ms=41.0,
            hrv_history_ms=hrv,
            resting_hr=56,
            resting_hr_history=[float(v) for v in rhr],
            tsb=0.0,
            acwr=None,
        )
    )
    assert (
        out["score"] == want.score and out["label"] == want.label and out["label"] in ("take it easy", "rest")
    )
    assert [r["text"] for r in out["reasons"]] == [r.text for r in want.reasons]
    assert any("HRV" in r["text"] and r["status"] == "low" for r in out["reasons"])
    nothing = (await call_tool("readiness", await _deps(db), {})).model_dump()
    assert "no health data" in nothing["notes"][0] and nothing["label"] != "unknown"  # load alone is scored
