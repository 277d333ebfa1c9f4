"""The 90-day aggregate of one athlete in a big samples table, on plain PostgreSQL and on TimescaleDB, each
against a full raw scan of the same question in the same run.

    python bench/samples_aggregate.py                 # 2 million rows per backend (a quick run)
    python bench/samples_aggregate.py --full          # 10 million rows per backend (the issue's size)
    python bench/samples_aggregate.py --backend plain # one backend only (plain | timescale)

Each backend runs in its own process with its own embedded PostgreSQL under a temporary RUNCOACH_HOME:
plain PostgreSQL (monthly partitions), and TimescaleDB (a cluster with the extension preloaded, when
`.ci/timescaledb` has built it; skipped with a note otherwise) whose migrations make hypertables. The
samples are the synthetic athletes of `bench/training_tools.py` (three years of runs, interleaved), loaded
by COPY, then rolled up per minute and per quarter hour and heart rate (`rebuild_minute_rollups`, what
the importer writes per activity); on TimescaleDB the compression policies then run, as they would on a
server.

Questions (90 days, weekly buckets, the athlete's local time):
- "weekly avg + max HR and avg pace": `query_samples` answers it from the per-minute rollups;
- "per activity, HR 150-175 bpm band" and "weekly p50 + p90 HR": from the per-quarter-hour rollups keyed by
  heart rate (a band is a filter on the key, a percentile of heart rate a rank in its histogram);
- "weekly avg HR + p90 pace": a percentile of pace, answered from the raw samples (index range scan);
each against the same question as a plain full scan of the raw samples (the baseline), with the rows
compared.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.harness import run_on_fresh_database  # noqa: E402
from bench.training_tools import (  # noqa: E402
    QUERIES,
    TODAY,
    _literal_sql,
    _load,
    _timed,
    query_samples_timed,
    same_rows,
    samples_in_last_90_days,
)

QUESTIONS: dict[str, dict[str, Any]] = {
    "weekly avg + max HR, avg pace (rollups)": {
        "metrics": ["heart_rate", "pace_s_per_km"],
        "aggregates": ["avg", "max"],
        "bucket": "1w",
    },
    "per activity, HR 150–175 bpm band (heart-rate rollups)": QUERIES["per activity, HR 150–175 bpm band"],
    "weekly p50 + p90 HR (heart-rate rollups)": {
        "metrics": ["heart_rate"],
        "aggregates": ["p50", "p90"],
        "bucket": "1w",
    },
    "weekly avg HR + p90 pace (raw samples)": {
        "metrics": ["heart_rate", "pace_s_per_km"],
        "aggregates": ["avg", "p90"],
        "bucket": "1w",
    },
}
PLAIN_SCAN = ("enable_partition_pruning", "enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan")
TIMESCALE_SCAN = (*PLAIN_SCAN, "timescaledb.enable_chunk_append", "timescaledb.enable_constraint_exclusion")


async def _full_scan(session: Any, sql: str, settings: tuple[str, ...]) -> list[Any]:
    connection = await session.connection()
    async with session.begin_nested():
        for setting in settings:
            await connection.exec_driver_sql(f"SET LOCAL {setting} = off")
        rows = list(await connection.exec_driver_sql(sql))
    return rows


def _ms(times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return f"p50 {statistics.median(ms):8.1f} ms   min {min(ms):8.1f} ms"


async def _bench(backend: str, rows: int, users: int, rounds: int) -> None:
    from sqlalchemy import text

    from core.database import dispose_engine, get_engine, get_sessionmaker
    from core.models import User
    from tools.deps import ToolDeps
    from tools.samples.repository import rebuild_minute_rollups

    print(f"[{backend}] loading {rows:,} synthetic samples …")
    athlete_id, user_ids, written = await _load(rows, users)
    maker = get_sessionmaker()
    started = time.perf_counter()
    async with maker() as session:
        for user_id in user_ids:
            await rebuild_minute_rollups(session, user_id)
        await session.commit()
        minutes = (await session.execute(text("SELECT count(*) FROM activity_sample_minutes"))).scalar_one()
        quarters = (
            await session.execute(text("SELECT count(*) FROM activity_sample_hr_quarters"))
        ).scalar_one()
    print(
        f"[{backend}] {minutes:,} per-minute rollups and {quarters:,} per-quarter-hour heart-rate rollups "
        f"in {time.perf_counter() - started:.1f} s"
    )
    timescale = backend == "timescale"
    if timescale:
        started = time.perf_counter()
        async with get_engine().connect() as connection:
            auto = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await auto.exec_driver_sql(
                "SET statement_timeout = 0"
            )  # compressing millions of rows takes a while
            jobs = await auto.exec_driver_sql(
                "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression'"
            )
            for (job_id,) in list(jobs):
                await auto.exec_driver_sql(f"CALL run_job({int(job_id)})")
            found = await auto.exec_driver_sql(
                "SELECT number_compressed_chunks, before_compression_total_bytes, "
                "after_compression_total_bytes FROM hypertable_compression_stats('activity_samples')"
            )
            stats = found.one()
        print(
            f"[{backend}] compression policy: {stats[0]} chunks, {stats[1] / 2**20:,.0f} MB → "
            f"{stats[2] / 2**20:,.0f} MB in {time.perf_counter() - started:.1f} s"
        )
    async with maker() as session:
        sizes = []
        for table in ("activity_samples", "activity_sample_minutes", "activity_sample_hr_quarters"):
            size = (
                "(SELECT sum(total_bytes) FROM hypertable_detailed_size(:t))"
                if timescale
                else "coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree(:t)), "
                "pg_total_relation_size(:t))"
            )
            found = await session.execute(text(f"SELECT pg_size_pretty({size}::bigint)"), {"t": table})
            sizes.append((table, found.scalar_one()))
        print(f"[{backend}] on disk: " + ", ".join(f"{name} {size}" for name, size in sizes))
    async with maker() as session:
        await session.execute(text("ANALYZE activities"))
        await session.execute(text("ANALYZE activity_samples"))
        await session.execute(text("ANALYZE activity_sample_minutes"))
        await session.execute(text("ANALYZE activity_sample_hr_quarters"))
        await session.commit()

    now = datetime(TODAY.year, TODAY.month, TODAY.day, 18, 0, tzinfo=UTC)
    async with maker() as session:
        user = await session.get_one(User, athlete_id)
        deps = ToolDeps.for_user(session, user, now=now)
        in_range = await samples_in_last_90_days(session, athlete_id, now)
        print(
            f"[{backend}] athlete {athlete_id}: {in_range:,} samples in the last 90 days, "
            f"{written:,} in the table"
        )
        for name, args in QUESTIONS.items():
            tool_times, result, statement = await query_samples_timed(deps, athlete_id, args, rounds)
            literal = _literal_sql(statement)
            settings = TIMESCALE_SCAN if timescale else PLAIN_SCAN
            scan_times, scan_rows = await _timed(
                rounds, functools.partial(_full_scan, session, "/* full scan */ " + literal, settings)
            )
            same = same_rows(result.rows, scan_rows)
            speedup = statistics.median(scan_times) / statistics.median(tool_times)
            print(f"  {name}: {len(result.rows)} rows, same as the full scan: {'yes' if same else 'NO'}")
            print(f"    {'query_samples (tool)':<44}{_ms(tool_times)}")
            if "raw samples" not in name:  # the same question from the raw rows: the path without rollups
                raw_times, _ = await _timed(rounds, functools.partial(session.execute, statement))
                print(f"    {'raw-samples statement (index scan)':<44}{_ms(raw_times)}")
            print(f"    {'full raw scan (baseline)':<44}{_ms(scan_times)}   → {speedup:.0f}x slower")
        await session.rollback()
    await dispose_engine()


def _run_backend(backend: str, args: argparse.Namespace) -> None:
    if backend == "timescale":
        from core.embedded import TIMESCALE_SETTINGS, EmbeddedPostgres, timescaledb_installed

        if not timescaledb_installed():
            print("[timescale] skipped: TimescaleDB is not built (run `make timescaledb`)")
            return
        home = Path(f"/tmp/rcb-tsdb-{uuid.uuid4().hex[:8]}")
        home.mkdir()
        os.environ["RUNCOACH_HOME"] = str(home)
        server = EmbeddedPostgres(home, name="postgres", settings=TIMESCALE_SETTINGS)
        try:
            os.environ["DATABASE_URL"] = server.start()
            os.environ.pop("REDIS_URL", None)
            run_on_fresh_database(
                lambda: _bench(backend, args.rows, args.users, args.rounds), reuse_home=True
            )
        finally:
            server.stop()
            subprocess.run(["rm", "-rf", str(home)], check=False)
        return
    run_on_fresh_database(lambda: _bench(backend, args.rows, args.users, args.rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="samples per backend (default 2 million)")
    parser.add_argument("--full", action="store_true", help="10 million rows per backend")
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--backend", choices=("plain", "timescale"))
    args = parser.parse_args()
    if args.full:
        args.rows = 10_000_000
    if args.backend:
        _run_backend(args.backend, args)
        return
    started = time.perf_counter()
    for backend in ("plain", "timescale"):
        command = [sys.executable, __file__, "--backend", backend, "--rows", str(args.rows)]
        command += ["--users", str(args.users), "--rounds", str(args.rounds)]
        subprocess.run(command, check=True)
    print(f"bench finished in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
