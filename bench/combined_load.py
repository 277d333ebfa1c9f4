"""Combined load: concurrent chat streams, a FIT import and a Garmin sync at once, for a fixed time, on the
real roles — against the same run's single-stream baseline — and then a check that nothing was lost.

    python bench/combined_load.py [--duration 60] [--streams 200] [--replicas 1] [--fit-files N]

The stack: embedded PostgreSQL + Redis under a temporary RUNCOACH_HOME (`bench/harness.py`), migrated;
`--replicas` real `runcoach api` processes and one `runcoach worker`, all on the offline model (no key);
the Garmin fake from tests/fakes (recorded exchanges, real FIT files as downloads) in this process, reached
by the real garminconnect client in the worker through its proxy settings.

1. Setup: one athlete + bearer token + thread per stream (`bench/chat_streams.prepare`), one for the
   baseline, one that uploads FIT files, one that connects Garmin (through the API) and syncs.
2. Baseline: one turn per replica to warm up, then `--baseline-turns` turns of one stream, alone.
3. Load, for `--duration` seconds: every stream loops — POST a message, read the SSE stream to its final
   event (resuming with Last-Event-ID on the next replica when it drops; every `--drop-every`-th turn drops
   on purpose after its first text) — while the FIT files are uploaded to `POST /activities/import` (in
   requests of `--fit-batch` files; the worker imports them) and a Garmin sync runs. Turns in flight at
   the end run to their final event; the jobs to their end.
4. Printed: errors by kind, p50/p99 time to first and to final event, turns/s, the import and the sync,
   the memory and CPU time of every process (api, worker, PostgreSQL with its backends, Redis), and
   the baseline.
5. Nothing lost (`bench/nothing_lost.py`): the exit status is 1 when something was lost or stored twice.

The client runs on the same machine and takes CPU too; the figures are for this machine at this moment.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.chat_streams import prepare, warm_tokens  # noqa: E402
from bench.chat_turns import Turn, chat_turn  # noqa: E402
from bench.harness import (  # noqa: E402
    Role,
    embedded_pids,
    percentile,
    role_env,
    run_on_fresh_database,
    start_role,
)
from bench.load_jobs import (  # noqa: E402
    auth,
    fake_garmin,
    fit_files,
    print_import,
    print_sync,
    run_import,
    run_sync,
)
from bench.nothing_lost import Check, check_chat, check_imports, check_sync  # noqa: E402
from bench.process_usage import ProcessWatch, Reading, Usage  # noqa: E402

MESSAGE = "who am I?"


@dataclass
class Accounts:
    """(bearer token, thread id) pairs: one per stream, and one each for the baseline, the importer and
    the Garmin syncer."""

    streams: list[tuple[str, str]]
    baseline: tuple[str, str]
    importer: tuple[str, str]
    syncer: tuple[str, str]


async def stream_loop(
    client: httpx.AsyncClient,
    bases: Sequence[str],
    token: str,
    thread: str,
    replica: int,
    until: float,
    drops: itertools.count[int],
    drop_every: int,
) -> list[Turn]:
    turns = []
    while time.monotonic() < until:
        drop = drop_every > 0 and next(drops) % drop_every == drop_every - 1
        turn = await chat_turn(client, bases, token, thread, MESSAGE, replica=replica, drop_after_first=drop)
        turns.append(turn)
        if turn.accepted is not True:
            await asyncio.sleep(1.0)  # refused (429/503, ...) or unreachable: do not spin
    return turns


# --- printing -----------------------------------------------------------------------------------------


def print_turns(title: str, turns: Sequence[Turn], wall_s: float) -> None:
    done = [t for t in turns if t.done]
    first = [t.first_s * 1000 for t in done if t.first_s is not None]
    final = [t.done_s * 1000 for t in done if t.done_s is not None]
    failed = Counter(t.kind for t in turns if not t.done)
    print(
        f"{title}: {len(turns)} turns, {len(done)} completed, {sum(failed.values())} errors, {wall_s:.1f} s"
    )
    if first:
        for what, values in (("first", first), ("final", final)):
            p50, p99 = statistics.median(values), percentile(values, 99)
            print(f"  time to {what} event  p50 {p50:9.1f} ms   p99 {p99:9.1f} ms")
    print(f"  turns/s              {len(done) / wall_s if wall_s else 0.0:.2f}")
    resumed = [t for t in turns if t.reconnects]
    if resumed:
        on_purpose = sum(t.dropped_on_purpose for t in resumed)
        print(f"  resumed (Last-Event-ID)  {len(resumed)} turns ({on_purpose} dropped on purpose)")
    for kind, n in failed.most_common():
        print(f"  error x{n}: {kind}")


def print_processes(figures: dict[str, Usage], alone: Reading, load: Reading, load_s: float) -> None:
    print(
        "processes (memory in MB, with children: PostgreSQL's backends; CPU s per phase; RQ wait: s its "
        "threads were ready to run but waited for a core;\n  client: this process — load generator, "
        "Garmin fake — without its children):"
    )
    heads = [("pid", 8), ("procs", 7), ("RSS before", 12), ("peak RSS", 10), ("peak PSS", 10), ("VmHWM", 8)]
    heads += [("CPU alone", 11), ("CPU load", 10), ("RQ wait load", 14)]
    print(f"  {'process':<12}" + "".join(f"{head:>{width}}" for head, width in heads))
    for name, m in figures.items():
        print(
            f"  {name:<12}{m.pid:>8}{m.processes_peak:>7}{m.rss_before:>12.0f}{m.rss_peak:>10.0f}"
            f"{m.pss_peak:>10.0f}{m.hwm:>8.0f}{alone.cpu[name]:>11.1f}{load.cpu[name]:>10.1f}"
            f"{load.waited[name]:>14.1f}"
        )
    cores = os.cpu_count() or 1
    ours = sum(load.cpu.values())
    print(
        f"  machine during the load: {load.machine_busy:.0f} CPU s busy of {cores * load_s:.0f} "
        f"({cores} cores x {load_s:.0f} s); these processes {ours:.0f}, everything else "
        f"{max(0.0, load.machine_busy - ours):.0f}"
    )


def print_cpu_per_turn(name: str, turns: int, cpu: dict[str, float]) -> None:
    """CPU the api processes (and PostgreSQL) spent per completed turn: contention on this machine
    stretches wall times, not this."""
    api = sum(v for k, v in cpu.items() if k.startswith("api"))
    if turns:
        print(
            f"  CPU per completed turn ({name}): api {1000 * api / turns:.0f} ms, "
            f"PostgreSQL {1000 * cpu.get('postgres', 0.0) / turns:.0f} ms"
        )


# --- the run ------------------------------------------------------------------------------------------


async def bench(args: argparse.Namespace, verdict: list[bool]) -> None:
    from agent.checkpoint import setup_checkpointer
    from core.runtime import ensure_services, libpq_url
    from tests.support.shared_data import require

    setup_started = time.perf_counter()
    services = ensure_services()
    await setup_checkpointer(services.database_url)
    home = Path(os.environ["RUNCOACH_HOME"])
    files = fit_files(require("fit"), args.fit_files)
    garmin = fake_garmin(args.sync_activities)
    expected_sync = {str(i) for i in garmin.activities}
    pairs = await prepare(args.streams + 3, password=None)
    accounts = Accounts(pairs[: args.streams], *pairs[args.streams :])
    extra = {
        "RUNCOACH_LLM_PROVIDER": "offline",
        "RUNCOACH_LOG_JSON": "false",
        "RUNCOACH_RATE_LIMIT_CHAT_USER": "1000000/minute",  # one athlete per stream loops faster than 30/min
    }
    if args.slots is not None:
        extra["RUNCOACH_CHAT_MAX_CONCURRENT_TURNS"] = str(args.slots)
    if args.health_days is not None:
        extra["RUNCOACH_GARMIN_HEALTH_DAYS_MAX"] = str(args.health_days)
    log_dir = home / "logs"
    log_dir.mkdir()
    roles: list[Role] = []
    garmin.start()
    try:
        env = role_env(services.database_url, services.redis_url, **extra, **garmin.client_env())
        api_env = env | {"RUNCOACH_LOG_LEVEL": "WARNING"}
        roles += [start_role("api", api_env, log_dir, wait=False) for _ in range(args.replicas)]
        roles.append(start_role("worker", env | {"RUNCOACH_LOG_LEVEL": "INFO"}, log_dir, wait=False))
        for role in roles:  # they start in parallel
            await asyncio.to_thread(role.wait_ready)
        bases = [r.url for r in roles if r.url]
        pids = {f"api-{i + 1}": r.pid for i, r in enumerate(roles[:-1])}
        pids |= {"worker": roles[-1].pid, **embedded_pids(home)}
        print(
            f"combined load: {args.streams} streams for {args.duration:.0f} s, {args.replicas} api "
            f"process(es) + 1 worker, offline model; {len(files)} FIT files; Garmin sync of "
            f"{len(expected_sync)} activities; load avg before {os.getloadavg()[0]:.2f}, "
            f"{os.cpu_count()} cores; roles up {time.perf_counter() - setup_started:.1f} s after the servers"
        )
        ok = await run(args, bases, accounts, files, expected_sync, pids, libpq_url(services.database_url))
        verdict.append(ok)
    finally:
        for role in roles:
            role.stop(timeout_s=30)  # open turns and jobs finish
        garmin.stop()
        if garmin.errors or garmin.refused:
            print(f"the Garmin fake raised {garmin.errors[:2]}, refused hosts {garmin.refused[:5]}")
        if verdict != [True]:
            for role in roles:
                print(f"===== runcoach {role.name} (pid {role.pid}), end of its log =====\n{role.log_tail()}")


async def run(
    args: argparse.Namespace,
    bases: list[str],
    accounts: Accounts,
    files: list[tuple[str, bytes]],
    expected_sync: set[str],
    pids: dict[str, int],
    database_url: str,
) -> bool:
    import asyncpg

    streams = accounts.streams
    limits = httpx.Limits(max_connections=len(streams) + 20, max_keepalive_connections=len(streams) + 20)
    timeout = httpx.Timeout(300.0, connect=30.0)
    async with httpx.AsyncClient(
        base_url=bases[0], timeout=timeout, limits=limits, trust_env=False
    ) as client:
        connected = await client.post(
            "/api/v1/integrations/garmin/login",
            json={"email": "runner@example.com", "password": "correct horse battery staple"},
            headers=auth(accounts.syncer[0]),
        )
        if connected.status_code != 200 or connected.json().get("state") != "connected":
            raise SystemExit(f"could not connect Garmin: {connected.status_code} {connected.text[:300]}")
        await warm_tokens(client, [*streams, accounts.baseline])
        watch = ProcessWatch({**pids, "client": os.getpid()}, single=frozenset({"client"}))
        watch.start()

        token, thread = accounts.baseline
        warmup = [
            await chat_turn(client, bases, token, thread, MESSAGE, replica=i) for i in range(len(bases))
        ]
        readings = [watch.reading()]
        started = time.perf_counter()
        alone = [await chat_turn(client, bases, token, thread, MESSAGE) for _ in range(args.baseline_turns)]
        alone_s = time.perf_counter() - started
        readings.append(watch.reading())

        watch.mark()
        drops = itertools.count()
        until = time.monotonic() + args.duration
        started = time.perf_counter()
        loops = [
            stream_loop(client, bases, tok, th, i, until, drops, args.drop_every)
            for i, (tok, th) in enumerate(streams)
        ]
        importing = asyncio.create_task(
            run_import(client, bases[-1], accounts.importer[0], files, args.fit_batch)
        )
        syncing = asyncio.create_task(run_sync(client, bases[0], accounts.syncer[0]))
        per_stream = await asyncio.gather(*loops)
        load_s = time.perf_counter() - started
        readings.append(watch.reading())
        imported, synced = await importing, await syncing
        readings.append(watch.reading())
        jobs_s = time.perf_counter() - started - load_s  # the jobs outlasting the streams, if they did
        usage = watch.stop()

    turns = [t for ts in per_stream for t in ts]
    print_turns("single-stream baseline (alone, before the load, same stack)", alone, alone_s)
    alone_phase, streams_phase, load_phase = (
        readings[1] - readings[0],
        readings[2] - readings[1],
        readings[3] - readings[1],
    )
    print_cpu_per_turn("alone", sum(t.done for t in alone), alone_phase.cpu)
    print_turns(f"load: {len(streams)} concurrent streams (from start to the last turn's end)", turns, load_s)
    per_api = sum(t.done for t in turns) / load_s / len(bases)
    print(f"  turns/s per api process {per_api:.2f}; load avg now {os.getloadavg()[0]:.2f}")
    print_cpu_per_turn("under load, import and sync included", sum(t.done for t in turns), streams_phase.cpu)
    print_import(imported)
    print_sync(synced)
    print_processes(usage, alone_phase, load_phase, load_s + jobs_s)

    conn = await asyncpg.connect(database_url)
    try:
        checks: list[Check] = [await check_chat(conn, [*warmup, *alone, *turns])]
        checks.append(await check_imports(conn, await _user_of(conn, accounts.importer), imported.files))
        checks.append(
            await check_sync(conn, await _user_of(conn, accounts.syncer), expected_sync, synced.job)
        )
    finally:
        await conn.close()
    ok = all(c.ok for c in checks)
    print(f"nothing lost: {'yes' if ok else 'NO'}")
    for check in checks:
        print(f"  {check.name}: {'ok' if check.ok else 'LOST'} — {check.detail}")
    return ok


async def _user_of(conn: Any, account: tuple[str, str]) -> int:
    """The athlete of a (token, thread) pair, by the thread."""
    return int(await conn.fetchval("SELECT user_id FROM conversations WHERE id = $1::uuid", account[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--streams", type=int, default=200, help="concurrent chat streams (default 200)")
    parser.add_argument("--replicas", type=int, default=1, help="api processes (default 1)")
    parser.add_argument("--baseline-turns", type=int, default=10, help="turns of the single-stream baseline")
    parser.add_argument(
        "--fit-files", type=int, default=None, help="upload the first N FIT files (default all)"
    )
    parser.add_argument("--fit-batch", type=int, default=4, help="FIT files per upload request (default 4)")
    parser.add_argument(
        "--sync-activities", type=int, default=6, help="Garmin activities beyond the 4 recorded"
    )
    parser.add_argument(
        "--drop-every", type=int, default=10, help="drop every Nth turn's stream on purpose (0: never)"
    )
    parser.add_argument(
        "--health-days",
        type=int,
        default=None,
        help="days of Garmin health per sync (default: the setting's)",
    )
    parser.add_argument("--slots", type=int, default=None, help="chat_max_concurrent_turns per api process")
    args = parser.parse_args()
    verdict: list[bool] = []
    run_on_fresh_database(
        lambda: bench(args, verdict), RUNCOACH_LLM_PROVIDER="offline", RUNCOACH_LOG_LEVEL="WARNING"
    )
    sys.exit(0 if verdict == [True] else 1)


if __name__ == "__main__":
    main()
