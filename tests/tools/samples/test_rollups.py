"""The per-minute rollups answer exactly what the raw samples answer (real FIT files), stay in step when an
activity is re-processed or deleted, and `query_samples` uses them only where they are exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import activity_sample_hr_quarters, activity_sample_minutes
from tests.factories import create_user
from tests.tools.activities.test_reprocess import changed_parser
from tests.tools.samples.rollup_cases import (
    PACE_QUERIES,
    QUERIES,
    assert_same_rows,
    both_paths,
    import_files,
    pace_errors,
    pace_paths,
)
from tools.activities.reprocess import reprocess_activity
from tools.activities.store import delete_activity
from tools.samples.repository import PACE_BOUND_S_PER_KM, rebuild_minute_rollups, rollup_table
from tools.samples.spec import SampleQuery


async def test_rollups_give_the_raw_aggregates_on_real_files(db: AsyncSession) -> None:
    user = await create_user(db)
    await import_files(db, user.id)
    for args in QUERIES:
        raw, rolled = await both_paths(db, user.id, args)
        assert raw and raw[0][1] > 0, args  # there is something to compare
        assert_same_rows(rolled, raw)


async def test_rollups_follow_deletes(db: AsyncSession) -> None:
    user = await create_user(db)
    ids = await import_files(db, user.id)
    count = "SELECT count(*), coalesce(sum(samples), 0) FROM activity_sample_minutes WHERE activity_id = :a"
    minutes, samples = (await db.execute(text(count), {"a": ids[0]})).one()
    stored = (
        await db.execute(text("SELECT count(*) FROM activity_samples WHERE activity_id = :a"), {"a": ids[0]})
    ).scalar_one()
    assert minutes > 0 and samples == stored
    pace = "SELECT count(*) FROM activity_sample_pace_quarters WHERE activity_id = :a"
    assert (await db.execute(text(pace), {"a": ids[0]})).scalar_one() > 0
    await delete_activity(db, user.id, ids[0])
    assert (await db.execute(text(count), {"a": ids[0]})).one() == (0, 0)
    assert (await db.execute(text(pace), {"a": ids[0]})).scalar_one() == 0
    for args in QUERIES:
        raw, rolled = await both_paths(db, user.id, args)
        assert_same_rows(rolled, raw)
    for args in PACE_QUERIES:
        raw, binned = await pace_paths(db, user.id, args)
        assert max(pace_errors(args, binned, raw)) <= PACE_BOUND_S_PER_KM


async def test_rollups_follow_reprocessing(db: AsyncSession) -> None:
    """`reprocess` rewrites the samples (here with heart rates shifted): the rollups keyed by heart rate
    are rewritten with them."""
    user = await create_user(db)
    ids = await import_files(db, user.id)
    before = await both_paths(db, user.id, QUERIES[6])
    result = await reprocess_activity(db, user.id, ids[0], decode=changed_parser)
    assert result.status == "reprocessed"
    for args in QUERIES:
        raw, rolled = await both_paths(db, user.id, args)
        assert_same_rows(rolled, raw)
    for args in PACE_QUERIES:
        raw, binned = await pace_paths(db, user.id, args)
        assert max(pace_errors(args, binned, raw)) <= PACE_BOUND_S_PER_KM
    assert (await both_paths(db, user.id, QUERIES[6]))[0] != before[0]  # the band holds other samples now


async def test_no_matching_samples_give_the_raw_empty_answer(db: AsyncSession) -> None:
    user = await create_user(db)
    await import_files(db, user.id)
    for args in (
        {"metrics": ["heart_rate"], "aggregates": ["p50", "avg", "count"], "bucket": "none", "hr_min": 250},
        {"metrics": ["heart_rate", "cadence"], "aggregates": ["avg", "count"], "bucket": "1w", "hr_min": 250},
    ):
        raw, rolled = await both_paths(db, user.id, args)
        assert_same_rows(rolled, raw)
        assert [row[1] for row in raw] in ([0], [])


def test_only_exact_questions_use_the_rollups() -> None:
    day = datetime(2026, 3, 1, tzinfo=UTC)
    later = datetime(2026, 3, 8, tzinfo=UTC)

    def table(args: dict[str, Any], start: datetime = day, tz: str = "Europe/Berlin") -> object:
        return rollup_table(SampleQuery.model_validate(args), start, later, tz)

    assert table({"bucket": "1w"}) is activity_sample_minutes
    assert table({"bucket": "none", "aggregates": ["min", "max", "count"]}) is activity_sample_minutes
    assert table({"bucket": "activity"}) is activity_sample_minutes
    assert table({"bucket": "activity", "hr_min": 150, "hr_max": 175}) is activity_sample_hr_quarters
    assert table({"bucket": "1d", "hr_min": 150.5}) is activity_sample_hr_quarters
    assert table({"bucket": "1w", "hr_max": 150}, tz="Asia/Kathmandu") is activity_sample_hr_quarters
    heart_rate = {"metrics": ["heart_rate"], "aggregates": ["avg", "p90"]}
    assert table({**heart_rate, "bucket": "1w"}) is activity_sample_hr_quarters  # ranks of an integer
    for args in (
        {"bucket": "1h"},
        {"bucket": "1d", "aggregates": ["p90"]},
        {"bucket": "1d", "hr_min": 150, "aggregates": ["p50"]},
        {"bucket": "1d", "metrics": ["heart_rate", "cadence"], "aggregates": ["p50"]},
        {"bucket": "1d", "pace_slowest_s_per_km": 400},
        {"bucket": "1d", "hr_min": 150, "pace_slowest_s_per_km": 400},
        {"bucket": "1d", "metrics": ["grade_pct"]},
        {"bucket": "1d", "hr_min": 150, "covered_time": True},
    ):
        assert table(args) is None, args
    assert table({"bucket": "1d"}, start=day.replace(second=30)) is None  # mid-minute range
    # percentiles of pace: from the pace histograms, joined to the table named, over more than a week
    weeks = day - timedelta(days=21)
    pace = {"metrics": ["pace_s_per_km"], "aggregates": ["avg", "p90"], "bucket": "1w"}
    assert table(pace, start=weeks) is activity_sample_minutes
    assert (
        table({**pace, "metrics": ["heart_rate", "pace_s_per_km"]}, start=weeks)
        is activity_sample_hr_quarters
    )
    assert table({**pace, "bucket": "activity"}, start=weeks) is activity_sample_minutes
    assert table(pace) is None  # a week or less: the raw samples, exactly
    assert table({**pace, "hr_min": 150}, start=weeks) is None  # the histograms have no heart-rate key
    assert table({**pace, "metrics": ["pace_s_per_km", "cadence"]}, start=weeks) is None
    assert table(pace, start=weeks.replace(minute=5)) is None  # mid-quarter range
    # a heart-rate band needs range ends and local day edges on whole quarter hours (the rollups' rows)
    assert table({"bucket": "1d", "hr_min": 150}, start=day.replace(minute=20)) is None
    assert table({"bucket": "1d", "hr_min": 150}, tz="America/Caracas") is activity_sample_hr_quarters
    lmt = datetime(1890, 3, 1, tzinfo=UTC)  # Berlin's local mean time was UTC+0:53:28
    assert (
        rollup_table(SampleQuery(bucket="1d", hr_min=150), lmt, lmt + timedelta(days=3), "Europe/Berlin")
        is None
    )
    assert (
        rollup_table(SampleQuery(bucket="none", hr_min=150), lmt, lmt + timedelta(days=3), "Europe/Berlin")
        is activity_sample_hr_quarters
    )


def test_the_rollups_hold_every_column_query_samples_can_aggregate() -> None:
    """The rollup table's columns (core, below tools) and the query's column names (tools) are written in two
    layers; a column added to one and not the other would make the rollup path answer wrong or fail."""
    from typing import get_args

    from core.models.activity_sample_minute import ROLLUP_COLUMNS
    from tools.samples.spec import SampleColumn

    assert set(ROLLUP_COLUMNS) == set(get_args(SampleColumn))


async def test_pace_percentiles_from_the_histograms_are_within_the_bound(db: AsyncSession) -> None:
    """On the real files every pace percentile from the 1 s/km histograms is within PACE_BOUND_S_PER_KM of
    the raw one (a wider bin breaks it), and not exact (so the comparison compares something)."""
    user = await create_user(db)
    await import_files(db, user.id)
    errors: list[float] = []
    for args in PACE_QUERIES:
        raw, binned = await pace_paths(db, user.id, args)
        assert raw and raw[0][1] > 0, args
        errors += pace_errors(args, binned, raw)
    assert len(errors) > 20
    print(f"pace percentiles: {len(errors)}, largest error {max(errors):.3f} s/km")
    assert max(errors) <= PACE_BOUND_S_PER_KM
    assert max(errors) > 0


async def test_the_import_writes_the_pace_histograms_a_rebuild_writes(db: AsyncSession) -> None:
    """What `write_activity_sample_rollups` writes at import is what rolling every stored sample up again
    (`rebuild_minute_rollups`, the migration's fill) writes."""
    user = await create_user(db)
    await import_files(db, user.id)
    rows = text(
        "SELECT activity_id, quarter, pace_s, samples FROM activity_sample_pace_quarters WHERE user_id = :u "
        "ORDER BY 1, 2, 3"
    )
    imported = (await db.execute(rows, {"u": user.id})).all()
    assert len(imported) > 100
    await rebuild_minute_rollups(db, user.id)
    assert (await db.execute(rows, {"u": user.id})).all() == imported
