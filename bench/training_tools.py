"""Training tools at scale, side by side in one run: plan generation, the training-load series over three
years of activities, and `query_samples` over 90 days of one athlete in a samples table of `--rows` rows
(default 3 million, `--full` 10 million) against a plain full scan of the same data.

    python bench/training_tools.py [--rows 3000000 | --full] [--users 24] [--rounds 5]

It starts its own embedded PostgreSQL under a temporary RUNCOACH_HOME (never your data directory),
migrates, and bulk-loads synthetic per-second samples with COPY: three years of runs (5 a week, 30–100
min) for the measured athlete and as many other athletes as it takes to reach `--rows`, interleaved by
start time so every monthly partition holds everyone's activities, as a real server's would.

- query_samples: the tool itself (validation, SQL, result shaping), p50 of `--rounds` after a warm-up,
  against the *same statement* run with partition pruning and index scans switched off — a plain full scan
  of the table; both must return the same rows.
- training_load: the tool over 1 096 days (weekly points) and 90 days (daily points) for an athlete with
  three years of activities: SQL per-day sums + the pure CTL/ATL/TSB/ACWR/monotony computation.
- plans: the pure generator for a 16-week marathon, and the generate_plan tool (generate + store ~80
  workouts with their steps + read back + rule check), rolled back after each round.
"""

from __future__ import annotations

import argparse
import functools
import math
import random
import re
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.harness import run_on_fresh_database  # noqa: E402

TODAY = date(2026, 11, 23)
YEARS = 3
RUNS_PER_WEEK = 5
FULL_SCAN_SETTINGS = (
    "enable_partition_pruning",
    "enable_indexscan",
    "enable_bitmapscan",
    "enable_indexonlyscan",
)
COLUMNS = ("activity_id", "user_id", "ts", "heart_rate", "speed_mps", "cadence", "altitude_m", "distance_m")


#: the 90-day `query_samples` questions (also asked by bench/samples_aggregate.py)
QUERIES: dict[str, dict[str, Any]] = {
    "weekly avg HR + p90 pace, 90 days": {
        "metrics": ["heart_rate", "pace_s_per_km"],
        "aggregates": ["avg", "p90"],
        "bucket": "1w",
    },
    "per activity, HR 150–175 bpm band": {
        "metrics": ["heart_rate", "cadence"],
        "aggregates": ["avg", "count"],
        "bucket": "activity",
        "hr_min": 150,
        "hr_max": 175,
    },
    "uphill > 2 % (grade by window functions)": {
        "metrics": ["pace_s_per_km", "grade_pct"],
        "aggregates": ["avg", "p50"],
        "bucket": "none",
        "grade_min_pct": 2,
    },
}


def _line(name: str, values: list[float], extra: str = "") -> str:
    ms = [v * 1000 for v in values]
    return f"  {name:<50} p50 {statistics.median(ms):8.1f} ms   min {min(ms):8.1f} ms{extra}"


def _schedule(rng: random.Random, user_index: int) -> list[tuple[datetime, int, float]]:
    """(start, seconds, base speed m/s) of one athlete's runs over the last YEARS years."""
    runs = []
    first = TODAY - timedelta(days=365 * YEARS)
    week = first - timedelta(days=first.weekday())
    speed = rng.uniform(2.6, 3.6)
    while week <= TODAY:
        for weekday in rng.sample(range(7), RUNS_PER_WEEK):
            day = week + timedelta(days=weekday)
            if not first <= day < TODAY:
                continue
            start = datetime(
                day.year, day.month, day.day, 5 + rng.randint(0, 12), rng.randint(0, 59), tzinfo=UTC
            )
            runs.append((start, rng.randint(30, 100) * 60, speed * rng.uniform(0.9, 1.15)))
        week += timedelta(days=7)
    return runs


_NOISE_SOURCE = random.Random(3)  # one generator: a new Random(3) per value gave 4,096 copies of one value
NOISE = [_NOISE_SOURCE.gauss(0, 1) for _ in range(4096)]
DELTAS = [timedelta(seconds=i) for i in range(100 * 60 + 1)]


def _rows(
    activity_id: int, user_id: int, start: datetime, seconds: int, speed: float
) -> Iterator[tuple[Any, ...]]:
    distance = 0.0
    offset = activity_id * 7919
    for i in range(seconds):
        n = NOISE[(offset + i) % 4096]
        v = speed * (1.0 + 0.05 * n)
        distance += v
        hr = int(120 + 40 * min(1.0, i / 900.0) + 8 * math.sin(i / 300.0) + 2 * n)
        yield (
            activity_id,
            user_id,
            start + DELTAS[i],
            hr,
            v,
            160.0 + 6.0 * v + n,
            50.0 + 15.0 * math.sin(distance / 500.0),
            distance,
        )


async def _load(total_rows: int, users: int) -> tuple[int, list[int], int]:
    """Create the athletes and their activities, COPY the samples. Returns (athlete id, user ids, rows)."""
    from sqlalchemy import insert, text

    from core.database import get_sessionmaker
    from core.models import Activity, User

    rng = random.Random(11)
    maker = get_sessionmaker()
    schedules: list[tuple[int, list[tuple[datetime, int, float]]]] = []
    async with maker() as session:
        ids = []
        for k in range(users):
            user = User(
                email=f"bench-{k}@example.com", timezone="Europe/Berlin", sex="female" if k % 2 else "male"
            )
            user.max_hr, user.resting_hr, user.lthr = 188, 50, 170
            session.add(user)
            await session.flush()
            ids.append(user.id)
        athlete_runs = _schedule(rng, ids[0])  # the measured athlete: three full years
        schedules.append((ids[0], athlete_runs))
        planned = sum(r[1] for r in athlete_runs)
        others = ids[1:]
        for k, user_id in enumerate(
            others
        ):  # the rest of the rows, shared out: a random part of each history
            budget = (total_rows - planned) / (len(others) - k)
            runs = _schedule(rng, user_id)
            rng.shuffle(runs)
            kept = []
            for run in runs:
                if run[1] > budget:
                    break
                kept.append(run)
                budget -= run[1]
            planned += sum(r[1] for r in kept)
            schedules.append((user_id, kept))
        activities: list[dict[str, Any]] = []
        for user_id, runs in schedules:
            for start, seconds, speed in runs:
                activities.append(
                    {
                        "user_id": user_id,
                        "source": "bench",
                        "sport": "running",
                        "start_time": start,
                        "elapsed_s": float(seconds),
                        "moving_s": float(seconds),
                        "distance_m": speed * seconds,
                        "training_load": round(seconds / 3600 * 100 * rng.uniform(0.45, 0.9), 1),
                        "load_method": "trimp",
                        "sample_count": seconds,
                    }
                )
        activities.sort(key=lambda a: a["start_time"])
        result = await session.execute(
            insert(Activity).returning(Activity.id, sort_by_parameter_order=True), activities
        )
        activity_ids = [row[0] for row in result.all()]
        await session.execute(
            text("SELECT ensure_activity_sample_partitions(:a, :b)"),
            {"a": activities[0]["start_time"], "b": activities[-1]["start_time"] + timedelta(days=1)},
        )
        await session.commit()

    written = 0
    started = time.perf_counter()
    async with maker() as session:
        raw = await (await session.connection()).get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        batch: list[tuple[Any, ...]] = []
        for activity_id, activity in zip(activity_ids, activities, strict=True):
            seconds = int(activity["elapsed_s"])
            speed = activity["distance_m"] / activity["elapsed_s"]
            batch.extend(_rows(activity_id, activity["user_id"], activity["start_time"], seconds, speed))
            if len(batch) >= 500_000 or activity is activities[-1]:
                await driver.copy_records_to_table("activity_samples", records=batch, columns=list(COLUMNS))
                written += len(batch)
                batch = []
                rate = written / (time.perf_counter() - started)
                print(f"\r  COPY {written:>11,} / {planned:,} rows  ({rate:,.0f} rows/s)", end="", flush=True)
        await session.commit()
    print(f"\r  COPY {written:,} rows in {time.perf_counter() - started:.1f} s" + " " * 30)
    return ids[0], ids, written


async def _timed(rounds: int, fn: Callable[[], Awaitable[Any]]) -> tuple[list[float], Any]:
    result = await fn()  # warm-up
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        result = await fn()
        times.append(time.perf_counter() - t0)
    return times, result


def same_rows(tool_rows: list[Any], scan_rows: list[Any], pace_bound: float = 0.0) -> bool:
    """The tool's rows (rounded to 3 decimals) are the full scan's: bucket, samples and every value (pace
    percentiles within `pace_bound` s/km, when the pace histograms gave them)."""
    want = {r[0]: tuple(r[1:]) for r in scan_rows}
    if len(want) != len(tool_rows):
        return False
    for row in tool_rows:
        key = row.activity_id if row.bucket_start is None else row.bucket_start.replace(tzinfo=None)
        scan = want.get(key)
        if scan is None or scan[0] != row.samples:
            return False
        for (name, value), expected in zip(row.values.items(), scan[3:], strict=True):
            if (value is None) != (expected is None):
                return False
            bound = pace_bound if name.startswith("pace_s_per_km.p") else 0.0
            if value is not None and abs(value - float(expected)) > max(bound, 1e-3 * max(1.0, abs(value))):
                return False
    return True


def pace_bound_of(result: Any) -> float:
    """The bound the tool's answer states for its pace percentiles (0 when they are exact)."""
    from tools.samples.repository import PACE_BOUND_S_PER_KM

    return PACE_BOUND_S_PER_KM if any("1 s/km bins" in note for note in result.notes) else 0.0


async def samples_in_last_90_days(session: Any, athlete_id: int, now: datetime) -> int:
    """How many of the athlete's samples the 90-day questions cover."""
    from sqlalchemy import text

    found = await session.execute(
        text("SELECT count(*) FROM activity_samples WHERE user_id = :u AND ts >= :a AND ts < :b"),
        {"u": athlete_id, "a": now - timedelta(days=90), "b": now},
    )
    return int(found.scalar_one())


async def query_samples_timed(
    deps: Any, athlete_id: int, args: dict[str, Any], rounds: int
) -> tuple[list[float], Any, Any]:
    """`query_samples` called `rounds` times through the tool registry: the times, its last result, and the
    statement it runs (for the baseline scans and EXPLAIN)."""
    from tools.registry import call_tool
    from tools.samples.repository import build_samples_query
    from tools.samples.samples import resolve_range
    from tools.samples.spec import SampleQuery

    tool_times, result = await _timed(rounds, functools.partial(call_tool, "query_samples", deps, args))
    query = SampleQuery.model_validate(args)
    start, end = await resolve_range(deps, query, [])
    statement = build_samples_query(
        query, user_id=athlete_id, tz=deps.tz.key, start=start, end=end, limit=query.max_rows + 1
    )
    return tool_times, result, statement


async def _bench(total_rows: int, users: int, rounds: int) -> None:
    from sqlalchemy import select, text

    from core.database import dispose_engine, get_sessionmaker
    from core.models import Activity, User
    from tools.deps import ToolDeps
    from tools.plans.periodize import periodize
    from tools.registry import call_tool

    print(f"loading {total_rows:,} synthetic samples …")
    started = time.perf_counter()
    athlete_id, _, written = await _load(total_rows, users)
    maker = get_sessionmaker()
    started = time.perf_counter()
    async with maker() as session:  # what the importer stores per activity (its figures), for the athlete
        from tools.fitness.activity_figures import ensure_figures
        from tools.samples.series import Span

        spans = [
            Span(row[0], row[1], row[2])
            for row in await session.execute(
                select(Activity.id, Activity.start_time, Activity.elapsed_s).where(
                    Activity.user_id == athlete_id
                )
            )
        ]
        for k in range(0, len(spans), 100):
            await ensure_figures(session, athlete_id, spans[k : k + 100])
        await session.commit()
    print(
        f"figures of the athlete's {len(spans)} activities (stored at import) in "
        f"{time.perf_counter() - started:.0f} s"
    )
    started = time.perf_counter()
    async with maker() as session:  # and the rollups the importer writes with the samples
        from tools.samples.repository import rebuild_minute_rollups

        await rebuild_minute_rollups(session, athlete_id)
        await session.commit()
    print(f"rollups of the athlete's samples (written at import) in {time.perf_counter() - started:.0f} s")
    async with maker() as session:
        await session.execute(text("ANALYZE activities"))
        await session.execute(text("ANALYZE activity_samples"))
        await session.execute(text("ANALYZE activity_sample_minutes"))
        await session.execute(text("ANALYZE activity_sample_hr_quarters"))
        await session.execute(text("ANALYZE activity_sample_pace_quarters"))
        await session.commit()
        partitions = (
            await session.execute(
                text("SELECT count(*) FROM pg_inherits WHERE inhparent = 'activity_samples'::regclass")
            )
        ).scalar_one()
        athletes = (
            await session.execute(
                text("SELECT count(DISTINCT user_id) FROM activities WHERE source = 'bench'")
            )
        ).scalar_one()
    print(
        f"loaded in {time.perf_counter() - started:.0f} s: {written:,} samples, {athletes} athletes, "
        f"{partitions} monthly partitions"
    )

    now = datetime(TODAY.year, TODAY.month, TODAY.day, 18, 0, tzinfo=UTC)
    async with maker() as session:
        user = await session.get_one(User, athlete_id)
        deps = ToolDeps.for_user(session, user, now=now)
        in_range = await samples_in_last_90_days(session, athlete_id, now)
        print(
            f"\nquery_samples: athlete {athlete_id}, ~{in_range:,} of their samples in the last 90 days, "
            f"{written:,} in the table"
        )
        for name, args in QUERIES.items():
            tool_times, result, statement = await query_samples_timed(deps, athlete_id, args, rounds)
            literal = _literal_sql(statement)
            connection = await session.connection()
            plan = "\n".join(row[0] for row in await connection.exec_driver_sql("EXPLAIN " + literal))
            scanned = len(set(re.findall(r"activity_samples_y\d{4}m\d{2}", plan)))
            access = "index" if "Index" in plan else "sequential"

            scan_plan = "\n".join(str(r[0]) for r in await _plain_scan(session, "EXPLAIN " + literal))
            scan_parts = len(set(re.findall(r"activity_samples_y\d{4}m\d{2}", scan_plan)))
            scan_kind = "parallel sequential" if "Gather" in scan_plan else "sequential"
            scan_times, scan_rows = await _timed(
                rounds, functools.partial(_plain_scan, session, "/* full scan */ " + literal)
            )
            bound = pace_bound_of(result)
            same = same_rows(result.rows, scan_rows, bound)
            source = await _answered_from(deps, args)
            if bound:
                source += f" + pace histograms (±{bound:g} s/km)"
            print(
                f"  {name}: {len(result.rows)} rows from {source}; raw plan: {scanned}/{partitions} "
                f"partitions, {access} access (baseline {scan_parts}/{partitions}, {scan_kind}); "
                f"same result as the baseline: {'yes' if same else 'NO'}"
            )
            print(_line("query_samples (tool)", tool_times))
            if source != "raw samples":  # the same question from the raw rows: the path without rollups
                raw_times, _ = await _timed(rounds, functools.partial(session.execute, statement))
                print(_line("raw-samples statement (index access)", raw_times))
            print(
                _line(
                    "same SQL as a plain full scan (baseline)",
                    scan_times,
                    f"   → {statistics.median(scan_times) / statistics.median(tool_times):.0f}x slower",
                )
            )
        await session.rollback()

    async with maker() as session:
        user = await session.get_one(User, athlete_id)
        deps = ToolDeps.for_user(session, user, now=now)
        count = (
            await session.execute(
                select(text("count(*)")).select_from(Activity).where(Activity.user_id == athlete_id)
            )
        ).scalar_one()
        print(f"\ntraining_load: athlete with {count} activities over {YEARS} years")
        long_times, long = await _timed(rounds, lambda: call_tool("training_load", deps, {"days": 1096}))
        short_times, _ = await _timed(rounds, lambda: call_tool("training_load", deps, {"days": 90}))
        print(_line(f"3-year series ({len(long.weekly)} weekly points)", long_times))
        print(_line("90-day series (daily points)", short_times))

        print("\nplans: 16-week marathon, 5 runs a week")

        async def pure() -> Any:
            return periodize(
                race_date=TODAY + timedelta(weeks=16) - timedelta(days=1),
                race_distance_m=42_195,
                start_date=TODAY,
                days_per_week=5,
                long_run_weekday=6,
                current_weekly_km=40,
                max_weekly_km=70,
                goal_time_s=12_600,
            )

        plan_args = {
            "race_date": (TODAY + timedelta(weeks=16) - timedelta(days=1)).isoformat(),
            "distance": "marathon",
            "goal_time_s": 12_600,
            "current_weekly_km": 40,
            "max_weekly_km": 70,
        }

        async def stored(args: dict[str, Any]) -> Any:
            async with session.begin_nested() as savepoint:
                out = await call_tool("generate_plan", deps, args)
                await savepoint.rollback()
            return out

        pure_times, plan = await _timed(rounds, pure)
        given_times, out = await _timed(rounds, lambda: stored({**plan_args, "vdot": 45}))
        effort_times, _ = await _timed(rounds, lambda: stored(plan_args))
        print(
            _line(f"pure generate_plan ({len(plan.weeks)} weeks, {len(plan.sessions)} sessions)", pure_times)
        )
        print(
            _line(
                "generate_plan tool, VDOT given",
                given_times,
                f"   (store + read back + check: {len(out.checks)} violations)",
            )
        )
        print(_line("generate_plan tool, VDOT from 120 days of efforts", effort_times))

        print("\nper-activity load (the import path), anchors estimated from a year of data")
        from tools.training_load.activity import compute_activity_load
        from tools.zones.anchors import AnchorResolver

        recent = (
            (
                await session.execute(
                    select(Activity)
                    .where(Activity.user_id == athlete_id)
                    .order_by(Activity.start_time.desc())
                    .limit(rounds + 1)
                )
            )
            .scalars()
            .all()
        )
        user.max_hr = user.resting_hr = user.lthr = None
        fresh, shared = [], []
        for activity in recent:
            t0 = time.perf_counter()
            await compute_activity_load(session, activity, AnchorResolver(session, user, today=TODAY))
            fresh.append(time.perf_counter() - t0)
        for activity in recent:
            t0 = time.perf_counter()
            await compute_activity_load(session, activity)
            shared.append(time.perf_counter() - t0)
        print(_line("first import of the day (estimates computed)", fresh, f"   ({recent[0].load_method})"))
        print(_line("next imports (estimates shared for 10 min)", shared[1:]))
        await session.rollback()
    await dispose_engine()


async def _answered_from(deps: Any, args: dict[str, Any]) -> str:
    """Which rows `query_samples` reads for `args`: the raw samples or a rollup table."""
    from tools.samples.repository import rollup_table
    from tools.samples.samples import resolve_range
    from tools.samples.spec import SampleQuery

    query = SampleQuery.model_validate(args)
    start, end = await resolve_range(deps, query, [])
    table = rollup_table(query, start, end, deps.tz.key)
    return "raw samples" if table is None else table.name


async def _plain_scan(session: Any, sql: str) -> list[Any]:
    """`sql` with partition pruning and index scans off — a plain full scan. Run as literal SQL, so no
    plan cached for the tool's prepared statement is reused."""
    connection = await session.connection()
    async with session.begin_nested():
        for setting in FULL_SCAN_SETTINGS:
            await connection.exec_driver_sql(f"SET LOCAL {setting} = off")
        rows = list(await connection.exec_driver_sql(sql))
    await connection.exec_driver_sql("RESET ALL")
    return rows


def _literal_sql(statement: Any) -> str:
    """The statement with its parameters inlined (for EXPLAIN only; the values are the bench's own)."""
    from sqlalchemy.dialects import postgresql

    compiled = statement.compile(dialect=postgresql.dialect())
    sql = str(compiled)
    for name in sorted(compiled.params, key=len, reverse=True):
        value = compiled.params[name]
        if isinstance(value, datetime):
            literal = f"'{value.isoformat()}'::" + ("timestamptz" if value.tzinfo else "timestamp")
        elif isinstance(value, timedelta):
            literal = f"'{int(value.total_seconds())} seconds'::interval"
        elif isinstance(value, str):
            literal = "'" + value.replace("'", "''") + "'"
        elif value is None:
            literal = "NULL"
        else:
            literal = repr(value)
        sql = sql.replace(f"%({name})s", literal)
    return sql


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--rows", type=int, default=3_000_000, help="samples in the table (default 3 million)"
    )
    parser.add_argument("--full", action="store_true", help="10 million samples (the issue's size)")
    parser.add_argument("--users", type=int, default=24, help="athletes at most (default 24)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.full:
        args.rows = 10_000_000
    started = time.perf_counter()
    run_on_fresh_database(lambda: _bench(args.rows, args.users, args.rounds))
    print(f"\nbench finished in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
