"""Real FIT files and samples questions answered both from the raw rows and from the per-minute rollups;
used on plain PostgreSQL (`test_rollups.py`) and on TimescaleDB (`test_timescale.py`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.support.shared_data import require
from tools.activities.importer import import_fit
from tools.samples.repository import (
    build_rollup_query,
    build_samples_query,
    pace_histogram_answers,
    rollup_table,
)
from tools.samples.spec import SampleQuery

FIT = "fit/fitdecode/tests/files"
FILES = (
    "2013-02-06-12-11-14.fit",
    "activity-small-fenix2-run.fit",
    "compressed-speed-distance.fit",
    "garmin-fenix-5-run.fit",
    "garmin-fenix-5-walk.fit",
    "garmin-edge-820-bike.fit",
    "developer-types-sample.fit",
)
TZ = "Europe/Berlin"
START = datetime(2000, 1, 1, tzinfo=UTC)
END = datetime(2026, 1, 1, tzinfo=UTC)
ALL = ["avg", "min", "max", "sum", "count"]
PACE = ["avg", "min", "max", "count"]
QUERIES: list[dict[str, Any]] = [
    {"metrics": ["heart_rate", "pace_s_per_km"], "aggregates": PACE, "bucket": "1d"},
    {"metrics": ["heart_rate", "pace_s_per_km"], "aggregates": ["avg", "max"], "bucket": "1w"},
    {"metrics": ["cadence", "speed_mps", "altitude_m", "distance_m", "power_w"], "aggregates": ALL,
     "bucket": "1d"},
    {"metrics": ["heart_rate", "temperature_c"], "aggregates": ALL, "bucket": "none"},
    {"metrics": ["heart_rate", "pace_s_per_km"], "aggregates": ["avg", "count"], "bucket": "1w",
     "sport": "running"},
    {"metrics": ["heart_rate", "cadence", "speed_mps"], "aggregates": ALL, "bucket": "activity"},
    # heart-rate bands: from the rollups keyed by heart rate
    {"metrics": ["heart_rate", "cadence"], "aggregates": ["avg", "count"], "bucket": "activity",
     "hr_min": 150, "hr_max": 175},
    {"metrics": ["cadence", "pace_s_per_km", "power_w", "altitude_m"], "aggregates": PACE, "bucket": "1d",
     "hr_min": 120.5},
    {"metrics": ["heart_rate", "speed_mps", "temperature_c"], "aggregates": ALL, "bucket": "1w",
     "hr_max": 140},
    {"metrics": ["heart_rate", "pace_s_per_km"], "aggregates": ["avg", "min", "count"], "bucket": "none",
     "hr_min": 140, "hr_max": 140},
    # percentiles of heart rate: ranks from the same rollups
    {"metrics": ["heart_rate"], "aggregates": ["avg", "p10", "p50", "p90", "max"], "bucket": "1w"},
    {"metrics": ["heart_rate"], "aggregates": ["p25", "p75", "count"], "bucket": "activity", "hr_min": 130},
    {"metrics": ["heart_rate"], "aggregates": ["p50", "p95", "min"], "bucket": "none"},
    {"metrics": ["heart_rate"], "aggregates": ["p10", "p90"], "bucket": "1d", "hr_min": 120, "hr_max": 160},
]  # fmt: skip


async def import_files(session: AsyncSession, user_id: int) -> list[int]:
    ids = []
    for name in FILES:
        result = await import_fit(session, user_id, require(f"{FIT}/{name}").read_bytes(), filename=name)
        assert result.status == "imported" and result.activity_id is not None, result
        ids.append(result.activity_id)
    return ids


def _rows(result: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in result.all()]


async def both_paths(
    session: AsyncSession, user_id: int, args: dict[str, Any]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(raw rows, rollup rows) of one question over everything the user has."""
    query = SampleQuery.model_validate(args)
    table = rollup_table(query, START, END, TZ)
    assert table is not None, args
    common: dict[str, Any] = {"user_id": user_id, "tz": TZ, "start": START, "end": END, "limit": 1001}
    raw = _rows(await session.execute(build_samples_query(query, **common)))
    rolled = _rows(await session.execute(build_rollup_query(query, table=table, **common)))
    return raw, rolled


def assert_same_rows(got: list[tuple[Any, ...]], want: list[tuple[Any, ...]]) -> None:
    """Equal rows; floats to within summation-order rounding."""
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            if isinstance(y, float) and isinstance(x, float):
                assert x == pytest.approx(y, rel=1e-9, abs=1e-9), (a, b)
            else:
                assert x == y, (a, b)


#: questions only the raw rows answer (percentiles, per-sample conditions, grade)
RAW_QUERIES: list[dict[str, Any]] = [
    {"metrics": ["heart_rate", "cadence"], "aggregates": ["avg", "p90"], "bucket": "1w"},
    {"metrics": ["heart_rate", "pace_s_per_km"], "aggregates": ["avg", "p90"], "bucket": "1w",
     "pace_slowest_s_per_km": 420},
    {"metrics": ["pace_s_per_km", "grade_pct"], "aggregates": ["avg", "p50"], "bucket": "none",
     "grade_min_pct": 2},
    {"metrics": ["cadence"], "aggregates": ["avg", "count"], "bucket": "1d", "hr_min": 140, "hr_max": 170},
]  # fmt: skip


async def answers(session: AsyncSession, user_id: int) -> list[list[tuple[Any, ...]]]:
    """Every question's rows: raw and rollup for `QUERIES` and `PACE_QUERIES`, raw for `RAW_QUERIES`.
    Per-activity rows lose their activity id (it differs between databases; the rows stay in import
    order)."""
    out = []
    for args in QUERIES:
        raw, rolled = await both_paths(session, user_id, args)
        if args["bucket"] == "activity":
            raw, rolled = ([(None, *row[1:]) for row in rows] for rows in (raw, rolled))
        out += [raw, rolled]
    for args in PACE_QUERIES:
        raw, binned = await pace_paths(session, user_id, args)
        if args["bucket"] == "activity":
            raw, binned = ([(None, *row[1:]) for row in rows] for rows in (raw, binned))
        out += [raw, binned]
    common: dict[str, Any] = {"user_id": user_id, "tz": TZ, "start": START, "end": END, "limit": 1001}
    for args in RAW_QUERIES:
        query = SampleQuery.model_validate(args)
        out.append(_rows(await session.execute(build_samples_query(query, **common))))
    return out


#: percentiles of pace: from the pace histograms, within PACE_BOUND_S_PER_KM (everything else exact)
PACE_QUERIES: list[dict[str, Any]] = [
    {"metrics": ["heart_rate", "pace_s_per_km"], "aggregates": ["avg", "p90"], "bucket": "1w"},
    {"metrics": ["pace_s_per_km"], "aggregates": ["p10", "p25", "p50", "p75", "p90", "p95"],
     "bucket": "none"},
    {"metrics": ["pace_s_per_km", "heart_rate"], "aggregates": ["p50", "min", "count"], "bucket": "activity"},
    {"metrics": ["pace_s_per_km"], "aggregates": ["p25", "p75", "avg"], "bucket": "1d", "sport": "running"},
]  # fmt: skip


async def pace_paths(
    session: AsyncSession, user_id: int, args: dict[str, Any]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(raw rows, rollup rows with pace percentiles from the histograms, `bounded` last) of one question."""
    query = SampleQuery.model_validate(args)
    table = rollup_table(query, START, END, TZ)
    assert table is not None and pace_histogram_answers(query), args
    common: dict[str, Any] = {"user_id": user_id, "tz": TZ, "start": START, "end": END, "limit": 1001}
    raw = _rows(await session.execute(build_samples_query(query, **common)))
    binned = _rows(await session.execute(build_rollup_query(query, table=table, **common)))
    return raw, binned


def pace_errors(
    args: dict[str, Any], binned: list[tuple[Any, ...]], raw: list[tuple[Any, ...]]
) -> list[float]:
    """How far each pace percentile of `binned` is from the raw one (s/km); everything else (bucket, samples,
    first and last time, the other values) must be the raw's, and every bucket within the bound's
    condition (`bounded`)."""
    names = SampleQuery.model_validate(args).column_names()
    assert len(binned) == len(raw)
    errors = []
    for got, want in zip(binned, raw, strict=True):
        assert got[-1] is True, got  # bounded
        assert_same_rows([got[:4]], [want[:4]])
        for name, x, y in zip(names, got[4:-1], want[4:], strict=True):
            if name.startswith("pace_s_per_km.p") and y is not None:
                errors.append(abs(x - y))
            else:
                assert_same_rows([(x,)], [(y,)])
    return errors
