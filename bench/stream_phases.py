"""Where a chat stream's wall time goes inside the api process (`chat_streams --phases`): instruments the
running app from outside, for the bench only (nothing here is imported by RunCoach itself).

Per chat request, the time from its arrival at the app (the first ASGI call) to each mark:

- `sent by the client` (negative: before arrival; the client's `X-Bench-Sent` header, the same monotonic
  clock: one machine). This and `received by the client` are given for the echo baseline's requests too;
- `endpoint`: the route's function runs (authentication and the owner check done);
- `start`: the turn is being started (`TurnRunner.start`: the request's unit of work has ended);
- `first event`: the turn's first event is queued for the buffer (`turn_started`, queued or not);
- `sse first sent`: the response sends its first event (`api.chat.sse._events` yields it);
- `received by the client`: the client's first event (it posts these times back);
- `running`: the turn holds a turn slot and a compute permit (`TurnRunner._drive`);
- `final`: its final event is written.

Durations, each call timed on its own: a connection taken from the app's SQLAlchemy pool (waiting included),
one from the checkpointer's psycopg pool, the turn's preparation, its run of the graph (with the checkpoint),
its save (the commit), the checkpointer's `aput`. The event loop's lag (how late a 5 ms sleep wakes up) tells
a busy process from a waiting one, and CPU of the api process against the round's wall time.
"""

from __future__ import annotations

import asyncio
import functools
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench.harness import percentile

ARRIVED: dict[str, float] = {}
MARKS: dict[str, dict[str, float]] = defaultdict(dict)
DURATIONS: dict[str, list[float]] = defaultdict(list)
LAG: list[float] = []
_CPU0 = [time.process_time(), time.monotonic()]


def _thread_of(path: str) -> str | None:
    parts = path.strip("/").split("/")
    if len(parts) == 6 and parts[:4] == ["api", "v1", "chat", "threads"] and parts[5] == "messages":
        return parts[4]
    return None


def mark(thread_id: Any, name: str) -> None:
    MARKS[str(thread_id)].setdefault(name, time.monotonic())


def _timed_async(owner: Any, attribute: str, label: str) -> None:
    original = getattr(owner, attribute)

    @functools.wraps(original)
    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        try:
            return await original(*args, **kwargs)
        finally:
            DURATIONS[label].append(time.monotonic() - started)

    setattr(owner, attribute, timed)


def _timed_async_cm(owner: Any, attribute: str, label: str) -> None:
    """An async context manager method whose entering is timed (psycopg's `pool.connection()`)."""
    original = getattr(owner, attribute)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        manager = original(*args, **kwargs)
        enter = manager.__aenter__

        class Timed:
            async def __aenter__(self) -> Any:
                started = time.monotonic()
                try:
                    return await enter()
                finally:
                    DURATIONS[label].append(time.monotonic() - started)

            async def __aexit__(self, *exc: Any) -> Any:
                return await manager.__aexit__(*exc)

        return Timed()

    setattr(owner, attribute, wrapper)


def install(app: Any) -> Callable[[dict[str, float] | None], str]:
    """Instrument `app` and the chat's classes; returns `report()` (which also resets)."""
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg_pool import AsyncConnectionPool

    from agent.stream import _Turn
    from api.chat import sse
    from api.chat.turns import TurnRunner
    from api.routes import chat as chat_routes
    from core.database import get_engine

    asgi = app.build_middleware_stack

    def build() -> Any:
        inner = asgi()

        async def arrive(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                headers = dict(scope.get("headers", ()))
                # a chat request by its thread; the echo baseline's by the id the client gave it
                key = _thread_of(scope.get("path", "")) or headers.get(b"x-bench-id", b"").decode()
                if key and b"x-bench-sent" in headers:
                    ARRIVED[key] = time.monotonic()
                    MARKS[key]["sent by the client"] = float(headers[b"x-bench-sent"])
            await inner(scope, receive, send)

        return arrive

    app.build_middleware_stack = build

    start_turn = chat_routes._start_turn
    events = sse._events

    async def sse_events(buffer: Any, thread_id: Any, *args: Any) -> Any:
        async for item in events(buffer, thread_id, *args):
            mark(thread_id, "sse first sent")
            yield item

    sse._events = sse_events  # type: ignore[assignment]

    async def endpoint(request: Any, session: Any, user: Any, thread_id: Any, message: Any) -> Any:
        mark(thread_id, "endpoint")
        return await start_turn(request, session, user, thread_id, message)

    chat_routes._start_turn = endpoint  # type: ignore[assignment]

    runner_start, publish, drive = TurnRunner.start, TurnRunner._publish, TurnRunner._drive

    async def start(self: Any, user: Any, thread_id: Any, *args: Any, **kwargs: Any) -> Any:
        mark(thread_id, "start")
        return await runner_start(self, user, thread_id, *args, **kwargs)

    async def published(self: Any, p: Any, event: Any) -> None:
        mark(p.thread_id, "first event")
        await publish(self, p, event)
        if getattr(event, "type", "") in {"message_done", "approval_required", "error"}:
            mark(p.thread_id, "final")

    async def driven(self: Any, p: Any, permit: Any) -> Any:
        mark(p.thread_id, "running")
        return await drive(self, p, permit)

    TurnRunner.start = start  # type: ignore[method-assign]
    TurnRunner._publish = published  # type: ignore[method-assign]
    TurnRunner._drive = driven  # type: ignore[method-assign]
    _timed_async(_Turn, "_prepare", "turn: prepare (lock, owner, checkpoint check, message)")
    _timed_async(_Turn, "_save", "turn: save (answer + commit)")
    _timed_async(AsyncPostgresSaver, "aput", "checkpointer: aput (the checkpoint)")
    _timed_async(AsyncPostgresSaver, "aget_tuple", "checkpointer: aget_tuple (a read)")
    _timed_async_cm(AsyncConnectionPool, "connection", "checkpointer pool: connection")

    pool = get_engine().sync_engine.pool
    do_get = pool._do_get

    def timed_get() -> Any:
        started = time.monotonic()
        try:
            return do_get()
        finally:
            DURATIONS["app pool: connection"].append(time.monotonic() - started)

    pool._do_get = timed_get  # type: ignore[method-assign]

    async def lag() -> None:
        while True:
            started = time.monotonic()
            await asyncio.sleep(0.005)
            LAG.append(time.monotonic() - started - 0.005)

    tasks: list[asyncio.Task[None]] = []

    def report(received: dict[str, float] | None = None) -> str:
        for thread, at in (received or {}).items():
            MARKS[thread]["received by the client"] = at
        if not tasks:  # started on the first call, from the server's loop
            tasks.append(asyncio.get_running_loop().create_task(lag()))
        text = _report()
        ARRIVED.clear()
        MARKS.clear()
        DURATIONS.clear()
        LAG.clear()
        _CPU0[:] = [time.process_time(), time.monotonic()]
        return text

    return report


def _line(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"      {name:<58} n {len(ms):>4}  p50 {statistics.median(ms):8.1f}  p99 {percentile(ms, 99):8.1f}  "
        f"max {max(ms):8.1f}  sum {sum(ms) / 1000:6.2f} s"
    )


def _report() -> str:
    cpu = time.process_time() - _CPU0[0]
    wall = time.monotonic() - _CPU0[1]
    share = 100 * cpu / wall
    lines = [f"  api process: {cpu:.2f} s CPU in {wall:.2f} s since the last report ({share:.0f} %)"]
    if LAG:
        lines.append("    event loop lag (a 5 ms sleep wakes this late):")
        lines.append(_line("lag", LAG))
    since: dict[str, list[float]] = defaultdict(list)
    for thread, arrived in ARRIVED.items():
        for name, at in MARKS.get(thread, {}).items():
            since[name].append(at - arrived)
    if since:
        lines.append("    requests, from arrival at the app to (ms):")
        order = (
            "sent by the client",
            "endpoint",
            "start",
            "first event",
            "sse first sent",
            "received by the client",
            "running",
            "final",
        )
        for name in order:
            if since.get(name):
                lines.append(_line(name, since[name]))
    if DURATIONS:
        lines.append("    durations (ms):")
        for name in sorted(DURATIONS):
            lines.append(_line(name, DURATIONS[name]))
    return "\n".join(lines)
