"""The samples path on TimescaleDB (a second embedded cluster with the extension preloaded, built from
../shared/timescaledb/ by `.ci/timescaledb`): the migrations make the hypertables and the compression
policies, real FIT files import, `query_samples`' raw and rollup statements give the same rows as on plain
PostgreSQL (the pace histograms within their bound of the raw samples), and the compression policy
compresses chunks without changing an answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.runtime import Services
from tests.conftest import rolled_back_session
from tests.factories import create_user
from tests.tools.samples.rollup_cases import (
    PACE_QUERIES,
    QUERIES,
    answers,
    assert_same_rows,
    both_paths,
    import_files,
    pace_errors,
    pace_paths,
)
from tools.activities.store import delete_activity
from tools.samples.repository import PACE_BOUND_S_PER_KM

TABLES = (
    "activity_samples",
    "activity_sample_minutes",
    "activity_sample_hr_quarters",
    "activity_sample_pace_quarters",
)


@pytest.fixture
async def tsdb(timescale_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session on the TimescaleDB database whose work is rolled back after the test."""
    async with rolled_back_session(timescale_engine) as session:
        yield session


async def test_the_migrations_make_compressed_hypertables(tsdb: AsyncSession) -> None:
    version = await tsdb.execute(text("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"))
    assert version.scalar_one() == "2.18.2"
    hypertables = set(
        (
            await tsdb.execute(text("SELECT hypertable_name FROM timescaledb_information.hypertables"))
        ).scalars()
    )
    assert set(TABLES) <= hypertables
    segmented = (
        await tsdb.execute(
            text(
                "SELECT hypertable_name, attname FROM timescaledb_information.compression_settings "
                "WHERE segmentby_column_index IS NOT NULL ORDER BY 1, segmentby_column_index"
            )
        )
    ).all()
    assert [tuple(r) for r in segmented] == [
        (t, c) for t in sorted(TABLES) for c in ("user_id", "activity_id")
    ]
    policies = (
        await tsdb.execute(
            text(
                "SELECT hypertable_name FROM timescaledb_information.jobs "
                "WHERE proc_name = 'policy_compression' ORDER BY 1"
            )
        )
    ).scalars()
    assert list(policies) == sorted(TABLES)


async def test_same_answers_on_plain_postgresql_and_timescaledb(db: AsyncSession, tsdb: AsyncSession) -> None:
    plain_user = await create_user(db)
    await import_files(db, plain_user.id)
    ts_user = await create_user(tsdb)
    await import_files(tsdb, ts_user.id)
    plain, timescale = await answers(db, plain_user.id), await answers(tsdb, ts_user.id)
    assert all(rows for rows in plain)
    for got, want in zip(timescale, plain, strict=True):
        assert_same_rows(got, want)
    for args in PACE_QUERIES:  # the pace histograms within their bound of the raw samples, here too
        raw, binned = await pace_paths(tsdb, ts_user.id, args)
        assert max(pace_errors(args, binned, raw)) <= PACE_BOUND_S_PER_KM


async def _run_compression_policies(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.execute(text("SET statement_timeout = 0"))  # a policy run is not a request
        jobs = (
            await auto.execute(
                text("SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression'")
            )
        ).scalars()
        for job_id in list(jobs):
            await auto.execute(text(f"CALL run_job({int(job_id)})"))


async def test_the_compression_policy_compresses_chunks_and_changes_no_answer(
    services: Services, timescale_engine: AsyncEngine
) -> None:
    async with AsyncSession(timescale_engine, expire_on_commit=False) as session:
        user = await create_user(session)
        ids = await import_files(session, user.id)
        await session.commit()
        before = await answers(session, user.id)
        await session.commit()

    await _run_compression_policies(timescale_engine)

    async with AsyncSession(timescale_engine, expire_on_commit=False) as session:
        for table in TABLES:
            stats = (
                await session.execute(
                    text(
                        "SELECT number_compressed_chunks, before_compression_total_bytes, "
                        f"after_compression_total_bytes FROM hypertable_compression_stats('{table}')"
                    )
                )
            ).one()
            chunks, raw_bytes, compressed_bytes = stats
            print(f"{table}: {chunks} chunks compressed, {raw_bytes:,} → {compressed_bytes:,} bytes")
            assert chunks > 0 and 0 < compressed_bytes < raw_bytes
        after = await answers(session, user.id)
        for got, want in zip(after, before, strict=True):
            assert_same_rows(got, want)
        for args in PACE_QUERIES:  # compressed histograms, compressed samples: still within the bound
            raw, binned = await pace_paths(session, user.id, args)
            assert max(pace_errors(args, binned, raw)) <= PACE_BOUND_S_PER_KM
        # a compressed activity can still be deleted, rollups with it
        await delete_activity(session, user.id, ids[0])
        left = await session.execute(
            text("SELECT count(*) FROM activity_sample_minutes WHERE activity_id = :a"), {"a": ids[0]}
        )
        assert left.scalar_one() == 0
        for args in QUERIES:
            raw, rolled = await both_paths(session, user.id, args)
            assert_same_rows(rolled, raw)
        await session.commit()
