"""`query_samples` against a Python computation over the very same rows, user isolation, bounded inputs,
and partition pruning."""

from __future__ import annotations

import json
import struct
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from tests.factories import create_user
from tests.tools.samples.sample_data import Run, create_run, varied_run_series
from tools.deps import ToolDeps
from tools.registry import call_tool
from tools.samples.repository import PACE_BOUND_S_PER_KM, build_samples_query
from tools.samples.spec import (
    GRADE_HALF_SPAN,
    GRADE_MIN_DISTANCE_M,
    MAX_OUTPUT_BYTES,
    MOVING_SPEED_MPS,
    SampleQuery,
)
from tools.statistics import MAX_GAP_S, percentile

TZ = "America/New_York"
NOW = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)


def f32(x: float | None) -> float | None:
    """The value as PostgreSQL's `real` stores it."""
    return None if x is None else struct.unpack("f", struct.pack("f", x))[0]


def agg(values: list[float], name: str) -> float | None:
    if name == "count":
        return float(len(values))
    if not values:
        return None
    if name == "avg":
        return sum(values) / len(values)
    if name == "sum":
        return sum(values)
    if name == "min":
        return min(values)
    if name == "max":
        return max(values)
    return percentile(values, float(name[1:]))


def pace_agg(speeds: list[float], name: str) -> float | None:
    moving = [v for v in speeds if v >= MOVING_SPEED_MPS]
    if name == "count":
        return float(len(moving))
    flipped = {"min": "max", "max": "min"}.get(name, name)
    if flipped.startswith("p"):
        flipped = f"p{100 - int(flipped[1:])}"
    value = agg(moving, flipped)
    return None if value is None else 1000.0 / value


def grades(run: Run) -> list[float | None]:
    out: list[float | None] = []
    n = len(run.ts)
    for i in range(n):
        a, b = i - GRADE_HALF_SPAN, i + GRADE_HALF_SPAN
        if a < 0 or b >= n:
            out.append(None)
            continue
        alt_a, alt_b, d_a, d_b = run.altitude_m[a], run.altitude_m[b], run.distance_m[a], run.distance_m[b]
        if None in (alt_a, alt_b, d_a, d_b):
            out.append(None)
            continue
        rise = f32(f32(alt_b) - f32(alt_a))  # type: ignore[operator]
        dist = d_b - d_a  # type: ignore[operator]
        out.append(rise / dist * 100.0 if dist >= GRADE_MIN_DISTANCE_M else None)  # type: ignore[operator]
    return out


def rows_of(runs: Iterable[Run]) -> list[dict[str, Any]]:
    rows = []
    for run in runs:
        g = grades(run)
        for i, ts in enumerate(run.ts):
            rows.append(
                {
                    "activity_id": run.activity.id,
                    "ts": ts,
                    "heart_rate": run.heart_rate[i],
                    "speed_mps": f32(run.speed_mps[i]),
                    "cadence": f32(run.cadence[i]),
                    "grade_pct": g[i],
                }
            )
    return rows


def expected(
    rows: list[dict[str, Any]],
    key: Callable[[dict[str, Any]], Any],
    metrics: list[str],
    aggregates: list[str],
    keep: Callable[[dict[str, Any]], bool] = lambda r: True,
) -> dict[Any, dict[str, float | None]]:
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if keep(row):
            groups[key(row)].append(row)
    out = {}
    for k, members in groups.items():
        values: dict[str, float | None] = {"samples": float(len(members))}
        for metric in metrics:
            for a in aggregates:
                if metric == "pace_s_per_km":
                    speeds = [r["speed_mps"] for r in members if r["speed_mps"] is not None]
                    values[f"{metric}.{a}"] = pace_agg(speeds, a)
                else:
                    series = [r[metric] for r in members if r[metric] is not None]
                    values[f"{metric}.{a}"] = agg(series, a)
        out[k] = values
    return out


def assert_matches(result: dict[str, Any], want: dict[Any, dict[str, float | None]], key: str) -> None:
    """The answer's rows are `want`'s; pace percentiles within PACE_BOUND_S_PER_KM when its notes say the
    pace histograms gave them (and only then), everything else exact."""
    got = {row[key]: {"samples": float(row["samples"]), **row["values"]} for row in result["rows"]}
    assert set(got) == set(want)
    binned = any("1 s/km bins" in note for note in result["notes"])
    for k, values in want.items():
        for name, value in values.items():
            if value is None:
                assert got[k][name] is None, (k, name)
            elif binned and name.startswith("pace_s_per_km.p"):
                assert abs(got[k][name] - value) <= PACE_BOUND_S_PER_KM, (k, name, got[k][name], value)
            else:
                assert got[k][name] == pytest.approx(value, rel=1e-5, abs=2e-3), (k, name)


async def _athlete(db: AsyncSession) -> tuple[ToolDeps, list[Run]]:
    user = await create_user(db, timezone=TZ)
    deps = ToolDeps.for_user(db, user, now=NOW)
    tz = ZoneInfo(TZ)
    runs = []
    # three runs on two local days; the second crosses local midnight (in UTC it is the next day anyway)
    for k, (start, seconds) in enumerate(
        [
            (datetime(2026, 3, 17, 7, 0, tzinfo=tz), 1500),
            (datetime(2026, 3, 17, 23, 40, tzinfo=tz), 1800),
            (datetime(2026, 3, 18, 18, 5, tzinfo=tz), 1200),
        ]
    ):
        series = varied_run_series(seconds, seed=k)
        runs.append(
            await create_run(
                db,
                user,
                start,
                name=f"Run {k}",
                heart_rate=series["heart_rate"],
                speed_mps=series["speed_mps"],
                altitude_m=series["altitude_m"],
                cadence=series["cadence"],
            )
        )
    return deps, runs


async def test_whole_range_aggregates_match_python(db: AsyncSession) -> None:
    deps, runs = await _athlete(db)
    metrics = ["heart_rate", "pace_s_per_km", "cadence", "speed_mps"]
    aggregates = ["avg", "min", "max", "count", "p50", "p90"]
    args = {"metrics": metrics, "aggregates": aggregates}
    result = (await call_tool("query_samples", deps, args)).model_dump()
    assert result["bucket"] == "none" and result["truncated"] is False
    assert result["columns"][:2] == ["heart_rate.avg", "heart_rate.min"]
    assert_matches(result, expected(rows_of(runs), lambda r: None, metrics, aggregates), "bucket_start")
    total = await call_tool("query_samples", deps, {"metrics": ["heart_rate"], "aggregates": ["sum"]})
    want_sum = sum(hr for run in runs for hr in run.heart_rate if hr is not None)
    assert total.model_dump()["rows"][0]["values"]["heart_rate.sum"] == want_sum


async def test_local_time_buckets_and_per_activity(db: AsyncSession) -> None:
    deps, runs = await _athlete(db)
    tz = ZoneInfo(TZ)
    rows = rows_of(runs)
    metrics, aggregates = ["heart_rate", "pace_s_per_km"], ["avg", "p90"]

    daily = (
        await call_tool("query_samples", deps, {"metrics": metrics, "aggregates": aggregates, "bucket": "1d"})
    ).model_dump()
    local_day = lambda r: r["ts"].astimezone(tz).replace(hour=0, minute=0, second=0, tzinfo=None)  # noqa: E731
    want = expected(rows, local_day, metrics, aggregates)
    got = {row["bucket_start"].replace(tzinfo=None): row for row in daily["rows"]}
    assert sorted(got) == sorted(want) and len(want) == 2
    assert got[datetime(2026, 3, 17)]["samples"] == 1500 + 1200  # the run at 23:40 splits at local midnight
    for row in daily["rows"]:
        row["bucket_start"] = row["bucket_start"].replace(tzinfo=None)
        assert row["bucket_start"].hour == 0
    assert daily["notes"] == [
        "pace_s_per_km.p90 from per-quarter-hour histograms in 1 s/km bins: within ±1 s/km of the exact "
        "figure (other values are exact)"
    ]
    assert_matches(daily, want, "bucket_start")

    five = (
        await call_tool(
            "query_samples", deps, {"metrics": ["heart_rate"], "aggregates": ["max"], "bucket": "5min"}
        )
    ).model_dump()
    bucket5 = lambda r: (  # noqa: E731
        (local := r["ts"].astimezone(tz).replace(tzinfo=None)) - timedelta(minutes=local.minute % 5)
    ).replace(second=0)
    want5 = expected(rows, bucket5, ["heart_rate"], ["max"])
    for row in five["rows"]:
        row["bucket_start"] = row["bucket_start"].replace(tzinfo=None)
    assert_matches(five, want5, "bucket_start")

    per_activity = (
        await call_tool(
            "query_samples",
            deps,
            {"metrics": metrics, "aggregates": aggregates, "bucket": "activity", "sport": "running"},
        )
    ).model_dump()
    assert [r["activity_name"] for r in per_activity["rows"]] == ["Run 0", "Run 1", "Run 2"]
    want_activity = expected(rows, lambda r: r["activity_id"], metrics, aggregates)
    assert_matches(per_activity, want_activity, "activity_id")


async def test_pace_percentiles_are_exact_over_a_week_or_where_the_bound_cannot_hold(
    db: AsyncSession,
) -> None:
    """Over PACE_EXACT_UP_TO or less the raw samples answer pace percentiles exactly (no note); over 90
    days the histograms do, unless a bucket's two samples at the percentile's rank are so far apart in pace
    (here 3:20 and 30:18 /km, 2 samples) that 1 s/km bins could miss by more than the bound: then the raw
    samples answer the whole question."""
    deps, runs = await _athlete(db)
    args = {"metrics": ["pace_s_per_km"], "aggregates": ["p50", "p90"], "bucket": "1d"}
    week = (
        await call_tool("query_samples", deps, {**args, "start_date": "2026-03-14", "end_date": "2026-03-20"})
    ).model_dump()
    assert week["notes"] == []
    tz = ZoneInfo(TZ)
    local_day = lambda r: r["ts"].astimezone(tz).replace(hour=0, minute=0, second=0, tzinfo=None)  # noqa: E731
    for row in week["rows"]:
        row["bucket_start"] = row["bucket_start"].replace(tzinfo=None)
    assert_matches(
        week, expected(rows_of(runs), local_day, ["pace_s_per_km"], ["p50", "p90"]), "bucket_start"
    )
    binned = (await call_tool("query_samples", deps, args)).model_dump()
    assert len(binned["notes"]) == 1 and "within ±1 s/km" in binned["notes"][0]

    odd = await create_run(
        db, deps.user, datetime(2026, 2, 1, 10, 0, tzinfo=UTC), heart_rate=[120, 121], speed_mps=[5.0, 0.55]
    )
    exact = (await call_tool("query_samples", deps, args)).model_dump()
    assert exact["notes"] == []
    for row in exact["rows"]:
        row["bucket_start"] = row["bucket_start"].replace(tzinfo=None)
    want = expected(rows_of([*runs, odd]), local_day, ["pace_s_per_km"], ["p50", "p90"])
    assert_matches(exact, want, "bucket_start")
    assert want[datetime(2026, 2, 1)]["pace_s_per_km.p90"] == pytest.approx(1000 / (0.1 * 5.0 + 0.9 * 0.55))


async def test_conditions_hr_pace_and_grade_bands(db: AsyncSession) -> None:
    deps, runs = await _athlete(db)
    rows = rows_of(runs)
    args = {
        "metrics": ["heart_rate", "cadence", "grade_pct"],
        "aggregates": ["avg", "count", "p75"],
        "bucket": "activity",
        "hr_min": 140,
        "hr_max": 175,
        "pace_fastest_s_per_km": 240,
        "pace_slowest_s_per_km": 360,
        "grade_min_pct": 1.0,
    }

    def keep(r: dict[str, Any]) -> bool:
        return (
            r["heart_rate"] is not None
            and 140 <= r["heart_rate"] <= 175
            and r["speed_mps"] is not None
            and 1000 / 360 <= r["speed_mps"] <= 1000 / 240
            and r["grade_pct"] is not None
            and r["grade_pct"] >= 1.0
        )

    result = (await call_tool("query_samples", deps, args)).model_dump()
    want = expected(rows, lambda r: r["activity_id"], args["metrics"], args["aggregates"], keep)  # type: ignore[arg-type]
    assert sum(v["samples"] or 0 for v in want.values()) > 500  # the bands keep a real share of the data
    assert_matches(result, want, "activity_id")


async def test_activity_filter_uses_the_activities_own_range(db: AsyncSession) -> None:
    deps, runs = await _athlete(db)
    old = await create_run(
        db, deps.user, datetime(2024, 5, 1, 6, 0, tzinfo=UTC), heart_rate=[150] * 120, speed_mps=[3.0] * 120
    )
    result = (
        await call_tool(
            "query_samples",
            deps,
            {"metrics": ["heart_rate"], "aggregates": ["avg", "count"], "activity_ids": [old.activity.id]},
        )
    ).model_dump()
    assert result["rows"][0]["values"] == {"heart_rate.avg": 150.0, "heart_rate.count": 120.0}
    default_range = (await call_tool("query_samples", deps, {"aggregates": ["count"]})).model_dump()
    assert default_range["rows"][0]["samples"] == sum(len(r.ts) for r in runs)  # 2024 is outside 90 days


async def test_another_users_samples_never_appear(db: AsyncSession) -> None:
    deps, runs = await _athlete(db)
    stranger_deps, stranger_runs = await _athlete(db)  # same times, same sport
    per_activity = {"aggregates": ["count"], "bucket": "activity"}
    mine = (await call_tool("query_samples", deps, per_activity)).model_dump()
    assert {r["activity_id"] for r in mine["rows"]} == {r.activity.id for r in runs}
    with pytest.raises(NotFound):
        await call_tool("query_samples", deps, {"activity_ids": [stranger_runs[0].activity.id]})
    mixed = {"activity_ids": [runs[0].activity.id, stranger_runs[0].activity.id]}
    with pytest.raises(NotFound, match=str(stranger_runs[0].activity.id)):
        await call_tool("query_samples", deps, mixed)
    both = (await call_tool("query_samples", stranger_deps, {"aggregates": ["count"]})).model_dump()
    assert both["rows"][0]["samples"] == sum(len(r.ts) for r in stranger_runs)


@pytest.mark.parametrize(
    "args",
    [
        {"sport": "running'; DROP TABLE activity_samples; --"},
        {"sport": "running OR 1=1"},
        {"metrics": ["heart_rate); DELETE FROM users; --"]},
        {"aggregates": ["avg(heart_rate)) FROM users --"]},
        {"bucket": "1 day'::interval, ts) --"},
        {"activity_ids": ["1 OR 1=1"]},
        {"start_date": "2026-01-01'; --"},
        {"hr_min": "140 OR 1=1"},
        {"user_id": 1},
    ],
)
async def test_injection_attempts_are_rejected_by_validation(db: AsyncSession, args: dict[str, Any]) -> None:
    deps, _ = await _athlete(db)
    with pytest.raises(InvalidInput, match="not valid"):
        await call_tool("query_samples", deps, json.dumps(args))
    assert (await db.execute(text("SELECT to_regclass('activity_samples') IS NOT NULL"))).scalar_one()


async def test_inconsistent_and_oversized_inputs(db: AsyncSession) -> None:
    deps, _ = await _athlete(db)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"hr_min": 170, "hr_max": 150}, "swap them"),
        ({"metrics": ["pace_s_per_km"], "aggregates": ["sum"]}, "sum of paces"),
        ({"start_date": "2026-03-10", "end_date": "2026-03-01"}, "after end_date"),
        ({"hr_max": 900}, "less than or equal to 260"),
    ]
    for bad, message in cases:
        with pytest.raises(InvalidInput, match=message):
            await call_tool("query_samples", deps, bad)
    wide = (
        await call_tool(
            "query_samples", deps, {"start_date": "2010-01-01", "bucket": "1min", "max_rows": 5000}
        )
    ).model_dump()
    assert "range clamped" in " ".join(wide["notes"]) and "max_rows clamped to 1000" in wide["notes"]
    assert wide["truncated"] is False and len(wide["rows"]) == 25 + 30 + 20  # minutes of the three runs
    few = (await call_tool("query_samples", deps, {"bucket": "1min", "max_rows": 10})).model_dump()
    assert few["truncated"] is True and len(few["rows"]) == 10 and "coarser bucket" in few["notes"][-1]


async def test_only_the_partitions_of_the_range_are_scanned(db: AsyncSession) -> None:
    deps, _ = await _athlete(db)  # March 2026
    await create_run(
        db, deps.user, datetime(2025, 7, 1, 6, 0, tzinfo=UTC), heart_rate=[140] * 60, speed_mps=[3.0] * 60
    )
    query = SampleQuery(metrics=["heart_rate", "grade_pct"], bucket="1d")
    start = datetime(2026, 3, 1, tzinfo=UTC)
    statement = build_samples_query(
        query, user_id=deps.user_id, tz=TZ, start=start, end=start + timedelta(days=20), limit=10
    )
    compiled = statement.compile(dialect=postgresql.dialect())
    sql = str(compiled)
    assert "activity_samples.user_id = " in sql and "activity_samples.ts >= " in sql
    plan = (await db.execute(text("EXPLAIN (FORMAT JSON) " + _inline(compiled)))).scalar_one()
    scanned = set(_relations(plan))
    assert "activity_samples_y2026m03" in scanned
    assert not any(name.startswith("activity_samples_y2025") for name in scanned)


def _inline(compiled: Any) -> str:
    """The compiled statement with its parameters as literals, for EXPLAIN."""
    sql = str(compiled)
    params = compiled.params
    for name in sorted(params, key=len, reverse=True):
        value = params[name]
        if isinstance(value, datetime):
            kind = "timestamptz" if value.tzinfo else "timestamp"
            literal = f"'{value.isoformat()}'::{kind}"
        elif isinstance(value, timedelta):
            literal = f"'{int(value.total_seconds())} seconds'::interval"
        elif isinstance(value, str):
            literal = "'" + value.replace("'", "''") + "'"
        elif isinstance(value, date):
            literal = f"'{value.isoformat()}'::date"
        else:
            literal = repr(value)
        sql = sql.replace(f"%({name})s", literal)
    return sql


def _relations(plan: Any) -> Iterable[str]:
    if isinstance(plan, dict):
        if "Relation Name" in plan:
            yield plan["Relation Name"]
        for value in plan.values():
            yield from _relations(value)
    elif isinstance(plan, list):
        for item in plan:
            yield from _relations(item)


async def test_a_huge_answer_is_capped_with_a_note_on_how_to_narrow_it(db: AsyncSession) -> None:
    """Before: 1000 rows × 48 columns came to ~1.6 MB in the stream, the stored messages and the model."""
    deps, _ = await _athlete(db)
    every = {
        "metrics": ["heart_rate", "speed_mps", "cadence", "altitude_m", "pace_s_per_km", "grade_pct"],
        "aggregates": ["avg", "min", "max", "p10", "p50", "p90"],
        "bucket": "1min",
        "max_rows": 1000,
    }
    result = await call_tool("query_samples", deps, every)
    assert len(result.model_dump_json()) <= MAX_OUTPUT_BYTES
    answer = result.model_dump()
    assert answer["truncated"] is True and 0 < len(answer["rows"]) < 25 + 30 + 20
    note = answer["notes"][-1]
    assert "capped at 48 KB" in note and "fewer metrics" in note and "coarser bucket" in note
    # the same question, narrowed as the note says, fits whole
    narrowed = await call_tool("query_samples", deps, {**every, "metrics": ["heart_rate"], "bucket": "1h"})
    assert narrowed.model_dump()["truncated"] is False


async def test_covered_time_counts_each_sample_until_the_next_gaps_capped(db: AsyncSession) -> None:
    """A sparse recording (a sample every 4 s) and one with long gaps (every 15 s): the time above a heart
    rate is each matching sample's time to the next one of its activity, at most MAX_GAP_S; the last sample
    of a run adds nothing; another run's samples do not follow on."""
    user = await create_user(db, timezone=TZ)
    deps = ToolDeps.for_user(db, user, now=NOW)
    start = datetime(2026, 3, 18, 7, 0, tzinfo=UTC)
    heart = [150, 170, 171, 160, 175, 176, 177, 140, 180, 181]
    sparse = await create_run(db, user, start, heart_rate=heart, speed_mps=[3.0] * 10, step_s=4)
    gappy = await create_run(
        db, user, start + timedelta(hours=2), heart_rate=heart, speed_mps=[3.0] * 10, step_s=15
    )
    result = await call_tool(
        "query_samples",
        deps,
        {
            "activity_ids": [sparse.activity.id, gappy.activity.id],
            "metrics": ["heart_rate"],
            "aggregates": ["count"],
            "hr_min": 165.5,
            "bucket": "activity",
            "covered_time": True,
        },
    )
    rows = {row.activity_id: row for row in result.rows}
    above = [i for i, bpm in enumerate(heart) if bpm > 165.5]  # 7 samples, the last one among them

    def covered(step_s: float) -> float:
        return sum(min(step_s, MAX_GAP_S) for i in above if i < len(heart) - 1)

    assert rows[sparse.activity.id].samples == len(above)
    assert rows[sparse.activity.id].seconds == covered(4) == 24
    assert rows[gappy.activity.id].seconds == covered(15) == 6 * MAX_GAP_S
    without = await call_tool("query_samples", deps, {"activity_ids": [sparse.activity.id]})
    assert without.rows[0].seconds is None, "only asked for"
