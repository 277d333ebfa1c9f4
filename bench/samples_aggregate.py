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
- "weekly avg HR + p90 pace" and "per activity, p50 + p90 pace": percentiles of pace from the pace
  histograms (1 s/km bins, joined to the other rollups; within ±1 s/km, which the tool's answer states);
- "daily p90 pace, last 7 days": a short range, answered exactly from the raw samples;
each against the same question as a plain full scan of the raw samples (the baseline), with the rows
compared (pace percentiles from the histograms within their bound), and, for the rollup paths, against the
raw-samples statement (the exact path without rollups). Before the questions, what the pace histograms add
to the import: the rollup statement of one ~1-hour activity, with and without them.
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
from datetime import UTC, datetime, timedelta
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
    pace_bound_of,
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
    "weekly avg HR + p90 pace (pace histograms)": {
        "metrics": ["heart_rate", "pace_s_per_km"],
        "aggregates": ["avg", "p90"],
        "bucket": "1w",
    },
    "per activity, p50 + p90 pace (pace histograms)": {
        "metrics": ["pace_s_per_km"],
        "aggregates": ["p50", "p90"],
        "bucket": "activity",
    },
    "daily p90 pace, last 7 days (raw samples, exact)": {
        "metrics": ["pace_s_per_km"],
        "aggregates": ["p90"],
        "bucket": "1d",
        "start_date": (TODAY - timedelta(days=6)).isoformat(),
        "end_date": TODAY.isoformat(),
    },
}
ROLLUPS = ("activity_sample_minutes", "activity_sample_hr_quarters", "activity_sample_pace_quarters")
PLAIN_SCAN = ("enable_partition_pruning", "enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan")
TIMESCALE_SCAN = (*PLAIN_SCAN, "timescaledb.enable_chunk_append", "timescaledb.enable_constraint_exclusion")


async def _full_scan(session: Any, sql: str, settings: tuple[str, ...]) -> list[Any]:
    connection = await session.connection()
    async with session.begin_nested():
        for setting in settings:
            await connection.exec_driver_sql(f"SET LOCAL {setting} = off")
        rows = list(await connection.exec_driver_sql(sql))
    # the savepoint was released, not rolled back: SET LOCAL lasts to the end of the transaction, so without
    # this every later measurement of the run had partition pruning and index scans off
    for setting in settings:
        await connection.exec_driver_sql(f"RESET {setting}")
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
        counts = [(await session.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one() for t in ROLLUPS]
    print(
        f"[{backend}] {counts[0]:,} per-minute rollups, {counts[1]:,} per-quarter-hour heart-rate "
        f"rollups and {counts[2]:,} pace-histogram rows in {time.perf_counter() - started:.1f} s"
    )
    async with maker() as session:
        await _import_cost(session, athlete_id, rounds)
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
        for table in ("activity_samples", *ROLLUPS):
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
        for table in ROLLUPS:
            await session.execute(text(f"ANALYZE {table}"))
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
            bound = pace_bound_of(result)
            same = same_rows(result.rows, scan_rows, bound)
            speedup = statistics.median(scan_times) / statistics.median(tool_times)
            within = f" (pace percentiles within ±{bound:g} s/km)" if bound else ""
            print(
                f"  {name}: {len(result.rows)} rows, same as the full scan{within}: {'yes' if same else 'NO'}"
            )
            print(f"    {'query_samples (tool)':<44}{_ms(tool_times)}")
            if "raw samples" not in name:  # the same question from the raw rows: the path without rollups
                raw_times, _ = await _timed(rounds, functools.partial(session.execute, statement))
                print(f"    {'raw-samples statement (index scan)':<44}{_ms(raw_times)}")
            print(f"    {'full raw scan (baseline)':<44}{_ms(scan_times)}   → {speedup:.0f}x slower")
        await session.rollback()
    await dispose_engine()


async def _import_cost(session: Any, athlete_id: int, rounds: int) -> None:
    """What the pace histograms add to the import: `write_activity_sample_rollups` (the three rollups of
    one activity, as the importer calls it) against the two-rollup function of migration 0009 (built here
    under another name), on the athlete's ~1-hour activities, alternating, in rolled-back savepoints."""
    import importlib.util

    from sqlalchemy import text

    path = REPO / "migrations" / "versions" / "2026-12-11_sample_hr_quarters.py"
    spec = importlib.util.spec_from_file_location("hr_quarters_migration", path)
    assert spec is not None and spec.loader is not None
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    series = [
        str(name)
        for (name,) in await session.execute(
            text(
                "SELECT substr(column_name, 3) FROM information_schema.columns WHERE table_name = "
                "'activity_sample_minutes' AND column_name LIKE 'n\\_%' ORDER BY ordinal_position"
            )
        )
    ]
    write_two, _ = previous._functions(series)
    await session.execute(
        text(
            write_two.replace("FUNCTION write_activity_sample_rollups(", "FUNCTION bench_write_two_rollups(")
        )
    )
    found = await session.execute(
        text(
            "SELECT id, start_time, start_time + make_interval(secs => elapsed_s) FROM activities "
            "WHERE user_id = :u AND elapsed_s BETWEEN 3000 AND 4200 ORDER BY start_time DESC LIMIT :n"
        ),
        {"u": athlete_id, "n": max(rounds, 9)},
    )
    times: dict[str, list[float]] = {
        "write_activity_sample_rollups (3 rollups)": [],
        "0009's (2 rollups)": [],
    }
    per_hour: dict[str, list[float]] = {name: [] for name in times}
    functions = dict(zip(times, ("write_activity_sample_rollups", "bench_write_two_rollups"), strict=True))
    for k, (activity_id, first, last) in enumerate(list(found)):
        args = {"u": athlete_id, "a": activity_id, "f": first, "t": last}
        samples = (
            await session.execute(text("SELECT count(*) FROM activity_samples WHERE activity_id = :a"), args)
        ).scalar_one()
        order = list(times) if k % 2 == 0 else list(reversed(times))
        for name in order:
            async with session.begin_nested() as savepoint:
                for table in ROLLUPS:
                    await session.execute(text(f"DELETE FROM {table} WHERE activity_id = :a"), args)
                t0 = time.perf_counter()
                await session.execute(text(f"SELECT {functions[name]}(:u, :a, :f, :t)"), args)
                elapsed = time.perf_counter() - t0
                await savepoint.rollback()
            times[name].append(elapsed)
            per_hour[name].append(elapsed * 3600 / max(samples, 1))
    await session.rollback()
    print(f"  import: rolling up one ~1-hour activity ({len(times[order[0]])} activities, alternating)")
    for name, values in times.items():
        hour = statistics.median(per_hour[name]) * 1000
        print(f"    {name:<44}{_ms(values)}   ({hour:.1f} ms per 3,600 samples)")


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
