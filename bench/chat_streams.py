"""Concurrent chat streams against one api process: the real SSE chat (turns as server tasks, Redis buffer,
offline model, PostgreSQL checkpoints and stored messages) against a trivial echo SSE stream as the baseline,
in the same run, on the same server.

    python bench/chat_streams.py [--streams 200] [--rounds 1] [--slots N]

It starts an embedded PostgreSQL and Redis under a temporary RUNCOACH_HOME (or uses DATABASE_URL /
REDIS_URL), migrates, creates one athlete and one thread per stream (bearer tokens, so no password
hashing in the measurement), then starts ONE api process (uvicorn, a subprocess of this script: `--serve`)
whose app is the production app plus a bench-only `GET /bench/echo` SSE route. Each round opens
`--streams` streams at once: first all echo streams, then all chat streams ("who am I?": the offline coach
calls `whoami` and streams its answer). Per kind it prints errors, p50/p99 time to first event and to the
last event, events per stream, and the api process's RSS (before, peak, after). The client runs on the same
machine and takes CPU too: each kind's line gives the CPU the api process and this client used in the round.
`--profile N`: the api process samples its own stack (`chat_turn_cost`'s CPU-time sampler) and, after each
kind's streams, the bench prints their N costliest functions. `--phases`: the api process times where each
chat request's wall time goes (`bench.stream_phases`: arrival → endpoint → turn started → first event →
running → final; pool waits, the turn's prepare / graph / save, the event loop's lag) and the bench prints it
after each kind's streams. `--calls`: the api process counts the function calls of its event-loop thread
(`chat_turn_cost.FunctionCalls`) and the bench prints them per stream after each kind's streams: a measure a
busy machine does not blur (the counting slows the api, so take the times of such a run as meaningless).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.harness import percentile, wait_healthy  # noqa: E402
from tests.faults.stack import free_port  # noqa: E402

MESSAGE = "who am I?"
ECHO_EVENTS = 12  # about what an offline "who am I?" turn sends


# --- the server (subprocess) ----------------------------------------------------------------------------


def serve(port: int) -> None:
    """The api process: the production app plus the echo route (which exists only here)."""
    import uvicorn
    from fastapi import FastAPI
    from sse_starlette import EventSourceResponse, ServerSentEvent

    from api.app import create_app

    app: FastAPI = create_app()

    @app.get("/bench/echo")
    async def echo(text: str = MESSAGE) -> EventSourceResponse:
        async def events() -> Any:
            for i in range(ECHO_EVENTS):
                yield ServerSentEvent(data=f'{{"i": {i}, "text": "{text}"}}', event="echo", id=str(i))
                await asyncio.sleep(0)

        return EventSourceResponse(events(), ping=15)

    # before the web app's catch-all mount at "/"
    app.router.routes.insert(0, app.router.routes.pop())

    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=15,
        backlog=4096,
    )
    from fastapi.responses import PlainTextResponse

    if os.environ.get("RUNCOACH_BENCH_PHASES"):
        from bench.stream_phases import install

        phases_report = install(app)

        @app.post("/bench/phases")
        async def phases(received: dict[str, float] | None = None) -> PlainTextResponse:
            """The phases since the last call (and start afresh); `received`: the client's first events."""
            return PlainTextResponse(phases_report(received))

        app.router.routes.insert(0, app.router.routes.pop())
    if os.environ.get("RUNCOACH_BENCH_CALLS"):
        from bench.chat_turn_cost import FunctionCalls

        counter = FunctionCalls()

        @app.post("/bench/calls")
        async def calls(reset: bool = False) -> PlainTextResponse:
            """The function calls since the last reset (`reset=true`: start afresh)."""
            text = str(counter.calls)
            if reset:
                counter.calls = 0
            return PlainTextResponse(text)

        app.router.routes.insert(0, app.router.routes.pop())
        with counter:
            uvicorn.Server(config).run()
        return
    if not os.environ.get("RUNCOACH_BENCH_PROFILE"):
        uvicorn.Server(config).run()
        return

    from bench.chat_turn_cost import StackSampler

    sampler = StackSampler(0.001)

    @app.post("/bench/profile")
    async def profile(reset: bool = False) -> PlainTextResponse:
        """The samples since the last reset (`reset=true`: start afresh)."""
        text = sampler.report(int(os.environ["RUNCOACH_BENCH_PROFILE"]))
        if reset:
            sampler.reset()
        return PlainTextResponse(text)

    app.router.routes.insert(0, app.router.routes.pop())
    with sampler:
        uvicorn.Server(config).run()


# --- the client -----------------------------------------------------------------------------------------


@dataclass
class Result:
    ok: bool
    thread: str = ""
    first_at: float | None = None  # time.monotonic() of the first event
    first_s: float | None = None
    done_s: float | None = None
    events: int = 0
    error: str = ""


@dataclass
class Rss:
    pid: int
    samples: list[int] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def now(self) -> int:
        import psutil

        return int(psutil.Process(self.pid).memory_info().rss)

    def cpu(self) -> float:
        import psutil

        times = psutil.Process(self.pid).cpu_times()
        return float(times.user + times.system)

    def start(self) -> None:
        self.samples.clear()
        self._stop.clear()

        def run() -> None:
            while not self._stop.is_set():
                self.samples.append(self.now())
                self._stop.wait(0.05)

        threading.Thread(target=run, daemon=True).start()

    def stop(self) -> int:
        self._stop.set()
        return max(self.samples) if self.samples else self.now()


async def one_stream(client: Any, method: str, url: str, **kwargs: Any) -> Result:
    started = time.perf_counter()
    # a chat request is known by its thread, an echo one by an id of its own (`bench.stream_phases`)
    key = url.rsplit("/", 2)[-2] if method == "POST" else uuid.uuid4().hex
    result = Result(ok=False, thread=key)
    bench = {"X-Bench-Sent": repr(time.monotonic()), "X-Bench-Id": key}
    kwargs["headers"] = {**kwargs.get("headers", {}), **bench}
    last_event = ""
    ids: list[str] = []
    try:
        async with client.stream(method, url, **kwargs) as response:
            if response.status_code != 200:
                body = await response.aread()
                result.error = f"HTTP {response.status_code}: {body[:120]!r}"
                return result
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    last_event = line.partition(":")[2].strip()
                elif line.startswith("id:"):
                    ids.append(line.partition(":")[2].strip())
                elif line.startswith("data:"):
                    now = time.perf_counter() - started
                    if result.first_s is None:
                        result.first_s = now
                        result.first_at = time.monotonic()
                    result.done_s = now
                    result.events += 1
    except Exception as exc:  # a failed stream is a figure, not the end of the bench
        result.error = f"{type(exc).__name__}: {exc}"[:160]
        return result
    if method == "POST" and last_event != "message_done":
        result.error = f"ended with {last_event or 'nothing'}"
        return result
    if len(set(ids)) != len(ids):
        result.error = "an event id came twice"
        return result
    result.ok = result.events > 0
    if not result.ok:
        result.error = "no events"
    return result


def report(
    name: str, results: list[Result], rss: tuple[int, int, int], wall_s: float, cpu: tuple[float, float]
) -> None:
    good = [r for r in results if r.ok]
    errors = [r.error for r in results if not r.ok]
    first = [r.first_s * 1000 for r in good if r.first_s is not None]
    done = [r.done_s * 1000 for r in good if r.done_s is not None]
    mb = [v / 2**20 for v in rss]
    load = os.getloadavg()[0]
    print(
        f"  {name}: {len(results)} streams, {len(errors)} errors, wall {wall_s:.2f} s "
        f"({len(good) / wall_s:.1f} completed/s), load avg {load:.1f}"
    )
    if first:
        p50, p99 = statistics.median(first), percentile(first, 99)
        print(f"    time to first event  p50 {p50:8.1f} ms   p99 {p99:8.1f} ms")
        p50, p99 = statistics.median(done), percentile(done, 99)
        print(f"    time to last event   p50 {p50:8.1f} ms   p99 {p99:8.1f} ms")
        print(f"    events per stream    mean {statistics.fmean(r.events for r in good):.1f}")
    print(f"    api RSS              before {mb[0]:.0f} MB   peak {mb[1]:.0f} MB   after {mb[2]:.0f} MB")
    print(
        f"    CPU in the round     api process {cpu[0]:.2f} s ({100 * cpu[0] / wall_s:.0f} % of a core), "
        f"this client {cpu[1]:.2f} s"
    )
    for error in sorted(set(errors))[:5]:
        print(f"    error x{errors.count(error)}: {error}")


async def prepare(count: int, *, password: str | None = "bench-password") -> list[tuple[str, str]]:
    """`count` (bearer token, thread id) pairs: one athlete, one thread each (`password=None`: accounts
    without one, so no password hashing before the measurement)."""
    from agent.threads import open_thread
    from core.database import dispose_engine, get_sessionmaker
    from tools.account.tokens import NewToken, create_token
    from tools.account.users import create_user

    pairs: list[tuple[str, str]] = []
    async with get_sessionmaker()() as session:
        for i in range(count):
            user = await create_user(session, f"bench-{i}-{uuid.uuid4().hex[:6]}@example.com", password)
            token = await create_token(session, user.id, NewToken(name="bench"), max_tokens=5)
            thread, _ = await open_thread(session, user, None, first_message=None)
            pairs.append((token.token, str(thread.id)))
        await session.commit()
    await dispose_engine()
    return pairs


async def warm_tokens(client: Any, pairs: list[tuple[str, str]]) -> None:
    """Use every token once, a few at a time, so none needs its once-a-minute `last_used_at` touch during the
    round: that touch takes a second pooled connection while the request holds one (api/auth.py), and 200
    first uses at once starve the pool (503s) — measured separately, it would hide the chat's own figures."""
    gate = asyncio.Semaphore(8)

    async def use(token: str) -> None:
        async with gate:
            response = await client.get("/api/v1/chat/threads", headers={"Authorization": f"Bearer {token}"})
            response.raise_for_status()

    await asyncio.gather(*(use(token) for token, _ in pairs))


async def run_rounds(
    base: str,
    pairs: list[tuple[str, str]],
    rounds: int,
    rss: Rss,
    *,
    profile: bool = False,
    phases: bool = False,
    calls: bool = False,
) -> None:
    import httpx

    limits = httpx.Limits(max_connections=len(pairs) + 10, max_keepalive_connections=len(pairs) + 10)
    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(300.0), limits=limits) as client:
        # warm-up: imports, pools, prepared statements, the graph
        for token, thread in pairs[:3]:
            await one_stream(
                client,
                "POST",
                f"/api/v1/chat/threads/{thread}/messages",
                json={"content": MESSAGE},
                headers={"Authorization": f"Bearer {token}"},
            )
            await one_stream(client, "GET", "/bench/echo")
        for number in range(1, rounds + 1):
            await warm_tokens(client, pairs)
            print(f"round {number}: {len(pairs)} concurrent streams")
            for name in ("echo (baseline)", "chat"):
                before = rss.now()
                rss.start()
                started = time.perf_counter()
                if name == "chat":
                    tasks = [
                        one_stream(
                            client,
                            "POST",
                            f"/api/v1/chat/threads/{thread}/messages",
                            json={"content": MESSAGE},
                            headers={"Authorization": f"Bearer {token}"},
                        )
                        for token, thread in pairs
                    ]
                else:
                    tasks = [
                        one_stream(client, "GET", "/bench/echo", params={"text": MESSAGE}) for _ in pairs
                    ]
                if profile:
                    await client.post("/bench/profile", params={"reset": True})
                if phases:
                    await client.post("/bench/phases")
                if calls:
                    await client.post("/bench/calls", params={"reset": True})
                api_cpu, own_cpu = rss.cpu(), time.process_time()
                results = await asyncio.gather(*tasks)
                wall = time.perf_counter() - started
                cpu = (rss.cpu() - api_cpu, time.process_time() - own_cpu)
                peak = rss.stop()
                report(name, list(results), (before, peak, rss.now()), wall, cpu)
                if profile:
                    print((await client.post("/bench/profile")).text)
                if phases:
                    received = {r.thread: r.first_at for r in results if r.first_at is not None}
                    print((await client.post("/bench/phases", json=received)).text)
                if calls:
                    counted = int((await client.post("/bench/calls")).text)
                    print(
                        f"    function calls     api event-loop thread {counted / len(pairs):,.0f} per stream"
                    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--slots", type=int, default=None, help="chat_max_concurrent_turns of the api process"
    )
    parser.add_argument(
        "--profile", type=int, default=0, help="the api process prints its N functions most on the stack"
    )
    parser.add_argument(
        "--phases", action="store_true", help="the api process times where each chat request's time goes"
    )
    parser.add_argument(
        "--calls", action="store_true", help="the api process counts its function calls per stream"
    )
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return

    home = None
    if "RUNCOACH_HOME" not in os.environ:
        home = tempfile.mkdtemp(prefix="rcb-", dir="/tmp")
        os.environ["RUNCOACH_HOME"] = home
    os.environ.setdefault("RUNCOACH_LOG_JSON", "false")
    os.environ.setdefault("RUNCOACH_LOG_LEVEL", "WARNING")
    os.environ["RUNCOACH_LLM_PROVIDER"] = "offline"
    from agent.checkpoint import setup_checkpointer_blocking
    from core.migrate import upgrade
    from core.runtime import ensure_services, stop_services

    proc: subprocess.Popen[bytes] | None = None
    try:
        services = ensure_services()
        upgrade(services.database_url)
        setup_checkpointer_blocking(services.database_url)
        pairs = asyncio.run(prepare(args.streams))
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": services.database_url,
            "REDIS_URL": services.redis_url,
            "RUNCOACH_RATE_LIMIT_CHAT_USER": "1000000/minute",
        }
        if args.slots is not None:
            env["RUNCOACH_CHAT_MAX_CONCURRENT_TURNS"] = str(args.slots)
        if args.profile:
            env["RUNCOACH_BENCH_PROFILE"] = str(args.profile)
        if args.phases:
            env["RUNCOACH_BENCH_PHASES"] = "1"
        if args.calls:
            env["RUNCOACH_BENCH_CALLS"] = "1"
        proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], env=env, cwd=REPO)
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc)
        slots = args.slots if args.slots is not None else "default"
        print(f"chat streams vs echo streams, one api process (pid {proc.pid}), offline model, slots {slots}")
        asyncio.run(
            run_rounds(
                base,
                pairs,
                args.rounds,
                Rss(proc.pid),
                profile=bool(args.profile),
                phases=args.phases,
                calls=args.calls,
            )
        )
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        stop_services()
        if home:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
