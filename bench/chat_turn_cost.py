"""What one offline chat turn costs on the api's path — CPU, SQL statements, Redis commands — against a bare
pydantic-ai turn (the same agent, tools, model and database; no graph, no storage, no buffer), same run.

    python bench/chat_turn_cost.py [--users 20] [--turns-per-user 4]

The api's path without HTTP: `TurnRunner.start` (the thread's Redis lock, the turn as a task: `agent.stream`
with its PostgreSQL checkpoint and stored messages, every event into the thread's Redis buffer) and a reader
following the buffer to the final event (`ChatBuffer.follow`, what an SSE response does). One athlete and one
thread per user; turns go round the users ("who am I?": the offline coach calls `whoami` and streams its
answer), so each user's first turn loads the athlete context and later ones find it cached.

Printed:
- CPU per turn: this process's CPU time (every thread) over the phase divided by its turns — the api's
  side — and the same for PostgreSQL (postmaster and backends) and Redis; for the bare turn, this process's.
- SQL statements per turn, counted at the drivers: SQLAlchemy's (every statement it sends, SAVEPOINTs
  included, plus BEGIN / COMMIT / ROLLBACK) and the checkpointer's psycopg cursor (one per parameter set of
  an `executemany`), by kind; first turns and later turns apart.
- Redis commands per turn, by command: the server's own count (`INFO commandstats`).
- Function calls per later turn (Python and C, counted by `sys.setprofile`) on the api path and for the bare
  turn, and per first turn on the api path: a deterministic stand-in for CPU on a busy machine.
The counting runs in a phase of its own, after the CPU phase (its instrumentation takes CPU).
`--profile N` then runs the api path again under a CPU-time stack sampler and prints the N functions found
most often on the stack, with their share of the samples: where a turn's CPU goes.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.harness import embedded_pids, run_on_fresh_database  # noqa: E402
from bench.process_usage import ProcessWatch  # noqa: E402

MESSAGE = "who am I?"


# --- counting ----------------------------------------------------------------------------------------------


def _kind(statement: str) -> str:
    words = statement.split(None, 3)
    head = words[0].upper() if words else "?"
    if head in {"SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK"}:
        return head
    if head == "SELECT" and "pg_try_advisory" in statement:
        return "SELECT (lock)"
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", statement, re.IGNORECASE)
    return f"{head} {table.group(1) if table else ''}".strip()


class SqlCounter:
    """Statements sent by SQLAlchemy (the app's engine) and by psycopg (LangGraph's checkpointer)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    @contextmanager
    def installed(self) -> Iterator[None]:
        import psycopg
        from sqlalchemy import event

        from core.database import get_engine

        engine = get_engine().sync_engine

        def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            self.counts[f"app: {_kind(statement)}"] += 1

        def on_begin(conn: Any) -> None:
            self.counts["app: BEGIN"] += 1

        def on_commit(conn: Any) -> None:
            self.counts["app: COMMIT"] += 1

        def on_rollback(conn: Any) -> None:
            self.counts["app: ROLLBACK"] += 1

        listeners = [
            ("before_cursor_execute", on_execute),
            ("begin", on_begin),
            ("commit", on_commit),
            ("rollback", on_rollback),
        ]
        for name, fn in listeners:
            event.listen(engine, name, fn)
        cursor = psycopg.AsyncCursor
        execute, executemany = cursor.execute, cursor.executemany
        counter = self

        async def counted_execute(cur: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            counter.counts[f"checkpointer: {_kind(str(query))}"] += 1
            return await execute(cur, query, *args, **kwargs)

        async def counted_executemany(cur: Any, query: Any, params_seq: Any, **kwargs: Any) -> Any:
            params = list(params_seq)
            counter.counts[f"checkpointer: {_kind(str(query))}"] += len(params)
            return await executemany(cur, query, params, **kwargs)

        cursor.execute = counted_execute  # type: ignore[method-assign,assignment]
        cursor.executemany = counted_executemany  # type: ignore[method-assign]
        try:
            yield
        finally:
            cursor.execute = execute  # type: ignore[method-assign]
            cursor.executemany = executemany  # type: ignore[method-assign]
            for name, fn in listeners:
                event.remove(engine, name, fn)

    def take(self) -> Counter[str]:
        taken, self.counts = self.counts, Counter()
        return taken


async def redis_calls(redis: Any) -> Counter[str]:
    """The server's command counts so far (`INFO commandstats`), by command."""
    stats = await redis.info("commandstats")
    return Counter({name.removeprefix("cmdstat_").upper(): int(v["calls"]) for name, v in stats.items()})


class StackSampler:
    """A CPU-time stack sampler: `ITIMER_PROF` interrupts the process every `interval_s` of CPU it uses and
    the handler, in the main thread, records the stack it interrupted (so waiting is never sampled, and a
    sample is where the CPU actually went). Counts each function once per sample.

    The kernel fires the timer at its own tick at most (250 Hz here: asked for every 1 ms, it fires every
    4 ms), so the report gives the CPU the samples stand for as measured (`time.process_time`), not as
    samples times `interval_s`."""

    def __init__(self, interval_s: float = 0.0005) -> None:
        self.interval_s = interval_s
        self.samples = 0
        self.inside: Counter[str] = Counter()
        self.own: Counter[str] = Counter()
        self.roots: Counter[str] = Counter()
        self._cpu0 = time.process_time()

    def __enter__(self) -> StackSampler:
        self._previous = signal.signal(signal.SIGPROF, self._sample)
        self._cpu0 = time.process_time()
        signal.setitimer(signal.ITIMER_PROF, self.interval_s, self.interval_s)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, self._previous)

    def _sample(self, signum: int, frame: Any) -> None:
        if frame is None:
            return
        self.samples += 1
        self.own[self._name(frame)] += 1
        seen = set()
        root = "the event loop itself"
        while frame is not None:
            name = self._name(frame)
            seen.add(name)
            if frame.f_back is not None and self._name(frame.f_back) == "asyncio/events.py:_run":
                root = name  # the coroutine the interrupted task (or callback) runs
            frame = frame.f_back
        self.inside.update(seen)
        self.roots[root] += 1

    @staticmethod
    def _name(frame: Any) -> str:
        path = frame.f_code.co_filename
        for prefix in (str(REPO) + "/", "site-packages/", "python3.11/"):
            if prefix in path:
                path = path.split(prefix, 1)[1]
                break
        return f"{path}:{frame.f_code.co_name}"

    def print(self, top: int) -> None:
        print(self.report(top))

    def report(self, top: int) -> str:
        total = max(1, self.samples)
        cpu_s = time.process_time() - self._cpu0
        lines = [
            f"  CPU samples: {self.samples} over {cpu_s:.2f} s of this process's CPU "
            f"({1000 * cpu_s / total:.2f} ms each; asked for every {self.interval_s * 1000:g} ms)"
        ]
        groups = (
            ("by task (the coroutine each task runs)", self.roots),
            ("on the stack (inclusive)", self.inside),
            ("innermost (own)", self.own),
        )
        for title, counts in groups:
            lines.append(f"    {title}:")
            for name, count in counts.most_common(top):
                lines.append(f"      {100 * count / total:5.1f} %  {name}")
        return "\n".join(lines)

    def reset(self) -> None:
        self.samples = 0
        self.inside.clear()
        self.own.clear()
        self.roots.clear()
        self._cpu0 = time.process_time()


class FunctionCalls:
    """Counts the function calls (Python and C) this thread makes while inside (`sys.setprofile`)."""

    def __init__(self) -> None:
        self.calls = 0

    def _count(self, frame: Any, event: str, arg: Any) -> None:
        if event == "call" or event == "c_call":
            self.calls += 1

    def __enter__(self) -> FunctionCalls:
        sys.setprofile(self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(None)


# --- the turns ---------------------------------------------------------------------------------------------


async def _bench(users: int, per_user: int, profile: int = 0) -> None:
    from agent.coach import run_coach
    from agent.deps import CoachDeps
    from agent.offline import offline_model
    from agent.stream import stream
    from agent.threads import open_thread
    from api.chat.buffer import ChatBuffer
    from api.chat.turns import TurnRunner
    from core.database import dispose_engine, get_sessionmaker, session_scope
    from core.redis import close_redis, get_redis
    from core.settings import get_settings
    from tools.account.users import create_user
    from tools.deps import ToolDeps
    from tools.registry import all_tools

    settings = get_settings()
    redis = get_redis()
    buffer = ChatBuffer(redis, ttl_s=settings.chat_buffer_ttl_s)
    runner = TurnRunner(buffer, settings)
    maker = get_sessionmaker()

    async def athletes(count: int) -> list[tuple[Any, uuid.UUID]]:
        made = []
        async with maker() as session:
            for i in range(count):
                user = await create_user(
                    session, f"cost-{i}-{uuid.uuid4().hex[:6]}@example.com", None, display_name=f"Runner {i}"
                )
                thread, _ = await open_thread(session, user, None, first_message=None)
                made.append((user, thread.id))
            await session.commit()
        return made

    async def api_turn(user: Any, thread_id: uuid.UUID) -> None:
        started = await runner.start(user, thread_id, MESSAGE)
        final = None
        async for event in buffer.follow(thread_id, started.cursor, turn=started.turn):
            final = event.type if event.final else final
        assert final == "message_done", final
        await runner.idle()  # the task's last step (releasing the lock) comes after its final event

    async def agent_turn(user: Any, thread_id: uuid.UUID) -> None:
        async with session_scope() as session:
            final = None
            events = stream(user, thread_id, MESSAGE, session=session, redis=redis, settings=settings)
            async for event in events:
                final = event.type
        assert final == "message_done", final

    model = offline_model()
    specs = all_tools()

    async def bare_turn(user: Any) -> None:
        async with maker() as session:
            deps = CoachDeps(tools=ToolDeps.for_user(session, user), emit=lambda event: None)
            await run_coach(model=model, deps=deps, prompt=MESSAGE, history=[], context={}, specs=specs)
            await session.rollback()

    for user, thread in await athletes(3):  # warm-up: imports, pools, prepared plans, the graph
        for _ in range(2):
            await api_turn(user, thread)
            await bare_turn(user)
    for user, thread in await athletes(2):
        await agent_turn(user, thread)

    pids = embedded_pids(Path(os.environ["RUNCOACH_HOME"]))
    watch = ProcessWatch({k: v for k, v in pids.items() if k in {"postgres", "redis"}})
    turns = users * per_user

    # CPU: the api path, the agent's stream alone, then the bare turn, each over the same number of turns
    people, others = await athletes(users), await athletes(users)
    before, cpu0, wall0 = watch.reading(), time.process_time(), time.perf_counter()
    for _ in range(per_user):
        for user, thread in people:
            await api_turn(user, thread)
    after, cpu1, wall1 = watch.reading(), time.process_time(), time.perf_counter()
    servers = after - before
    for _ in range(per_user):
        for user, thread in others:
            await agent_turn(user, thread)
    cpu_s, wall_s = time.process_time(), time.perf_counter()
    for user, _ in people * per_user:
        await bare_turn(user)
    cpu2, wall2 = time.process_time(), time.perf_counter()

    print(f"chat turn cost, offline model, {turns} turns ({users} users x {per_user}), message {MESSAGE!r}")
    print(f"  {'':<44}{'api CPU':>10}{'PostgreSQL':>12}{'Redis':>8}{'wall':>9}   (ms per turn)")
    per = 1000 / turns
    print(
        f"  {'api path (runner + buffer + reader)':<44}{(cpu1 - cpu0) * per:>10.1f}"
        f"{servers.cpu.get('postgres', 0.0) * per:>12.1f}{servers.cpu.get('redis', 0.0) * per:>8.1f}"
        f"{(wall1 - wall0) * per:>9.1f}"
    )
    print(
        f"  {'agent.stream alone (no runner, buffer, reader)':<44}{(cpu_s - cpu1) * per:>10.1f}{'':>20}"
        f"{(wall_s - wall1) * per:>9.1f}"
    )
    print(
        f"  {'baseline: bare pydantic-ai turn (run_coach)':<44}{(cpu2 - cpu_s) * per:>10.1f}{'':>20}"
        f"{(wall2 - wall_s) * per:>9.1f}"
    )

    # counts: a first turn on a new thread (context loaded) and a later one (context cached), per turn
    counter = SqlCounter()
    sql: dict[str, list[Counter[str]]] = {"first": [], "later": []}
    cmds: dict[str, list[Counter[str]]] = {"first": [], "later": []}
    people = await athletes(min(users, 10))
    with counter.installed():
        for round_ in range(3):
            for user, thread in people:
                kind = "first" if round_ == 0 else "later"
                counter.take()
                r0 = await redis_calls(redis)
                await api_turn(user, thread)
                r1 = await redis_calls(redis)
                r1["INFO"] -= 1  # the reading itself
                sql[kind].append(counter.take())
                cmds[kind].append(r1 - r0)
    for kind, label in (("first", "first turn of a thread"), ("later", "later turn (context cached)")):
        print(
            f"  per {label}: {_mean_total(sql[kind]):.1f} SQL statements, "
            f"{_mean_total(cmds[kind]):.1f} Redis commands"
        )
        print(f"    SQL:   {_breakdown(sql[kind])}")
        print(f"    Redis: {_breakdown(cmds[kind])}")
    # function calls: a deterministic measure of the CPU a turn's Python takes, where timings are noisy
    people = await athletes(min(users, 10))
    with FunctionCalls() as first_calls:  # their first turns (the athlete's context loaded)
        for user, thread in people:
            await api_turn(user, thread)
    with FunctionCalls() as api_calls:
        for user, thread in people:
            await api_turn(user, thread)
    with FunctionCalls() as bare_calls:
        for user, _ in people:
            await bare_turn(user)
    print(
        f"  function calls per later turn (Python and C, sys.setprofile): api path "
        f"{api_calls.calls / len(people):,.0f}, bare pydantic-ai turn {bare_calls.calls / len(people):,.0f}"
    )
    print(f"  function calls per first turn of a thread, api path: {first_calls.calls / len(people):,.0f}")
    if profile:
        people = await athletes(users)
        with StackSampler(0.001) as sampler:
            for _ in range(per_user):
                for user, thread in people:
                    await api_turn(user, thread)
        sampler.print(profile)
    await runner.close()
    await close_redis()
    await dispose_engine()


def _mean_total(samples: list[Counter[str]]) -> float:
    return statistics.fmean(sum(c.values()) for c in samples)


def _breakdown(samples: list[Counter[str]]) -> str:
    total: Counter[str] = Counter()
    for sample in samples:
        total.update(sample)
    items = sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{name} {count / len(samples):g}" for name, count in items if count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--turns-per-user", type=int, default=4)
    parser.add_argument("--profile", type=int, default=0, help="print the N functions most on the stack")
    args = parser.parse_args()
    run_on_fresh_database(
        lambda: _bench(args.users, args.turns_per_user, args.profile),
        RUNCOACH_LLM_PROVIDER="offline",
        RUNCOACH_LOG_LEVEL="WARNING",
    )


if __name__ == "__main__":
    main()
