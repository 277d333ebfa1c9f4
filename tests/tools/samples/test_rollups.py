"""The per-minute rollups answer exactly what the raw samples answer (real FIT files), stay in step when an
activity is re-processed or deleted, and `query_samples` uses them only where they are exact."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import create_user
from tests.tools.samples.rollup_cases import QUERIES, assert_same_rows, both_paths, import_files
from tools.activities.store import delete_activity
from tools.samples.repository import rollups_answer
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
    await delete_activity(db, user.id, ids[0])
    assert (await db.execute(text(count), {"a": ids[0]})).one() == (0, 0)
    for args in QUERIES:
        raw, rolled = await both_paths(db, user.id, args)
        assert_same_rows(rolled, raw)


def test_only_exact_questions_use_the_rollups() -> None:
    day = datetime(2026, 3, 1, tzinfo=UTC)
    later = datetime(2026, 3, 8, tzinfo=UTC)
    assert rollups_answer(SampleQuery(bucket="1w"), day, later)
    assert rollups_answer(SampleQuery(bucket="none", aggregates=["min", "max", "count"]), day, later)
    for args in (
        {"bucket": "1h"},
        {"bucket": "activity"},
        {"bucket": "1d", "aggregates": ["p90"]},
        {"bucket": "1d", "hr_min": 150},
        {"bucket": "1d", "pace_slowest_s_per_km": 400},
        {"bucket": "1d", "metrics": ["grade_pct"]},
    ):
        assert not rollups_answer(SampleQuery.model_validate(args), day, later), args
    assert not rollups_answer(SampleQuery(bucket="1d"), day.replace(second=30), later)  # mid-minute range


def test_the_rollups_hold_every_column_query_samples_can_aggregate() -> None:
    """The rollup table's columns (core, below tools) and the query's column names (tools) are written in two
    layers; a column added to one and not the other would make the rollup path answer wrong or fail."""
    from typing import get_args

    from core.models.activity_sample_minute import ROLLUP_COLUMNS
    from tools.samples.spec import SampleColumn

    assert set(ROLLUP_COLUMNS) == set(get_args(SampleColumn))
