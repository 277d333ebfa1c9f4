"""One user's many event-stream readers against everyone else: 150 `GET …/threads/{id}/events` readers from
one athlete while a second athlete signs in and chats, against a quiet baseline measured in the same run.

    python bench/stream_readers.py [--readers 150] [--repeat 5] [--per-user-cap N]

It starts an embedded PostgreSQL and Redis under a temporary RUNCOACH_HOME, migrates, and runs ONE real
`runcoach api` process (offline model). Athlete A's thread has a turn that stays running (the bench holds
it open in the Redis buffer, as a slow model would), so A's readers block in XREAD exactly as real ones
do. Athlete B, `--repeat` times: signs in with the password (argon2 included), opens a thread and sends
a message, timing the sign-in and the chat's first and last event. First with nothing else going on
(the baseline), then with A's `--readers` readers opened at once and held. Printed: what A's readers got
(held open / refused 429 / other), and B's p50 figures loaded against quiet with their ratio (the target
is within 2×) and B's errors (the target is none).

`--per-user-cap N` sets `RUNCOACH_CHAT_MAX_STREAMS_PER_USER` (default: as shipped) to let more of A's
readers in: the blocking reads then fill their own bounded pool, which must still leave B unaffected.
Before the fix (issue 20): 150 readers held every connection of the process's one Redis pool and B's
sign-in and chat got 503s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.chat_streams import one_stream  # noqa: E402
from bench.harness import role_env, run_on_fresh_database, start_role  # noqa: E402

PASSWORD = "bench stream readers passphrase"
MESSAGE = "who am I?"


async def prepare() -> tuple[str, str, str]:
    """Athlete A (a bearer token and a thread) and athlete B (an e-mail with a password)."""
    from agent.threads import open_thread
    from core.database import dispose_engine, get_sessionmaker
    from tools.account.tokens import NewToken, create_token
    from tools.account.users import create_user

    async with get_sessionmaker()() as session:
        a = await create_user(session, f"reader-{uuid.uuid4().hex[:6]}@example.com", None)
        token = await create_token(session, a.id, NewToken(name="bench"), max_tokens=5)
        thread, _ = await open_thread(session, a, None, first_message=None)
        b_email = f"chatter-{uuid.uuid4().hex[:6]}@example.com"
        await create_user(session, b_email, PASSWORD)
        await session.commit()
    await dispose_engine()
    return token.token, str(thread.id), b_email


@contextlib.asynccontextmanager
async def running_turn(redis_url: str, thread_id: str) -> Any:
    """A turn on A's thread that stays running (its lock refreshed) until the block ends, then finishes."""
    from redis.asyncio import Redis

    from agent.events import ErrorEvent, TurnStarted
    from api.chat.buffer import ChatBuffer

    redis = Redis.from_url(redis_url)
    buffer = ChatBuffer(redis)
    turn = uuid.uuid4().hex
    cursor = await buffer.begin(thread_id, turn)
    assert cursor is not None, "the thread is busy"
    await buffer.publish_start(thread_id, turn, cursor)
    await buffer.append(thread_id, turn, TurnStarted(thread_id=thread_id, title=None, resumed=False))

    async def keep() -> None:
        while True:
            await asyncio.sleep(5)
            await buffer.keep(thread_id, turn)

    keeper = asyncio.create_task(keep())
    try:
        yield
    finally:
        keeper.cancel()
        end = ErrorEvent(code="bench_over", message="the bench is over", retryable=False)
        await buffer.append(thread_id, turn, end)
        await redis.aclose()


async def blocked_readers(redis_url: str) -> int:
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    try:
        return sum(1 for c in await redis.client_list() if c.get("cmd") == "xread")
    finally:
        await redis.aclose()


class Readers:
    """A's readers: the status each got; `answered` is set once every reader has one."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.statuses: list[int] = []
        self.answered = asyncio.Event()
        self.release = asyncio.Event()

    def got(self, status: int) -> None:
        self.statuses.append(status)
        if len(self.statuses) >= self.total:
            self.answered.set()

    async def hold(self, client: Any, url: str, token: str) -> None:
        try:
            async with client.stream("GET", url, headers={"Authorization": f"Bearer {token}"}) as response:
                self.got(response.status_code)
                if response.status_code != 200:
                    await response.aread()
                    return
                async for _ in response.aiter_lines():
                    if self.release.is_set():
                        return
        except Exception:  # a reader that failed is a figure (status 0), not the end of the bench
            self.got(0)


async def one_visit(base: str, email: str) -> tuple[float | None, float | None, float | None, str]:
    """B signs in, opens a thread and chats: (sign-in s, first event s, last event s, error)."""
    import httpx

    from bench.chat_streams import Result

    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(120.0)) as client:
        started = time.perf_counter()
        signed_in = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        sign_in_s = time.perf_counter() - started
        if signed_in.status_code != 200:
            return None, None, None, f"sign-in HTTP {signed_in.status_code}"
        headers = {"X-CSRF-Token": signed_in.json()["csrf_token"]}
        created = await client.post("/api/v1/chat/threads", json={}, headers=headers)
        if created.status_code != 201:
            return sign_in_s, None, None, f"new thread HTTP {created.status_code}"
        result: Result = await one_stream(
            client,
            "POST",
            f"/api/v1/chat/threads/{created.json()['id']}/messages",
            json={"content": MESSAGE},
            headers=headers,
        )
        if not result.ok:
            return sign_in_s, None, None, result.error
        return sign_in_s, result.first_s, result.done_s, ""


async def visits(
    base: str, email: str, repeat: int
) -> tuple[list[float], list[float], list[float], list[str]]:
    sign_ins: list[float] = []
    firsts: list[float] = []
    lasts: list[float] = []
    errors: list[str] = []
    for _ in range(repeat):
        sign_in_s, first_s, last_s, error = await one_visit(base, email)
        if error:
            errors.append(error)
        if sign_in_s is not None:
            sign_ins.append(sign_in_s)
        if first_s is not None and last_s is not None:
            firsts.append(first_s)
            lasts.append(last_s)
    return sign_ins, firsts, lasts, errors


def p50_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.1f} ms" if values else "     n/a   "


def compare(name: str, quiet: list[float], loaded: list[float]) -> None:
    ratio = f"{statistics.median(loaded) / statistics.median(quiet):.2f}×" if quiet and loaded else "n/a"
    within = bool(quiet and loaded) and statistics.median(loaded) <= 2 * statistics.median(quiet)
    verdict = "within 2×" if within else "OVER 2×"
    print(f"    {name:22} quiet p50 {p50_ms(quiet)}   loaded p50 {p50_ms(loaded)}   {ratio:>6}  {verdict}")


async def bench(readers: int, repeat: int, cap: int | None) -> None:
    import httpx

    from agent.checkpoint import close_checkpointer, setup_checkpointer
    from core.runtime import ensure_services

    services = ensure_services()
    await setup_checkpointer(services.database_url)
    await close_checkpointer()
    token, thread, b_email = await prepare()
    extra = {
        "RUNCOACH_LLM_PROVIDER": "offline",
        "RUNCOACH_LOG_LEVEL": "WARNING",
        "RUNCOACH_RATE_LIMIT_LOGIN_ACCOUNT": "100000/minute",
        "RUNCOACH_RATE_LIMIT_LOGIN_IP": "100000/minute",
        "RUNCOACH_RATE_LIMIT_CHAT_USER": "100000/minute",
    }
    if cap is not None:
        extra["RUNCOACH_CHAT_MAX_STREAMS_PER_USER"] = str(cap)
    log_dir = Path(tempfile.mkdtemp(prefix="rcb-logs-", dir="/tmp"))
    api = start_role("api", role_env(services.database_url, services.redis_url, **extra), log_dir)
    assert api.url is not None
    try:
        await one_visit(api.url, b_email)  # warm-up: imports, pools, the graph
        print(
            f"stream readers: {readers} readers from athlete A, athlete B signs in and chats {repeat}×; "
            f"one api process (pid {api.pid}), offline model, per-user stream cap "
            f"{cap if cap is not None else 'as shipped'}"
        )
        quiet = await visits(api.url, b_email, repeat)

        group = Readers(readers)
        limits = httpx.Limits(max_connections=readers + 10, max_keepalive_connections=readers + 10)
        async with (
            running_turn(services.redis_url, thread),
            httpx.AsyncClient(base_url=api.url, timeout=httpx.Timeout(300.0), limits=limits) as client,
        ):
            url = f"/api/v1/chat/threads/{thread}/events"
            holders = [asyncio.create_task(group.hold(client, url, token)) for _ in range(readers)]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(group.answered.wait(), 60)
            blocked = await blocked_readers(services.redis_url)
            loaded = await visits(api.url, b_email, repeat)
            still_blocked = await blocked_readers(services.redis_url)
            group.release.set()
            for task in holders:
                task.cancel()
            await asyncio.gather(*holders, return_exceptions=True)

        statuses = group.statuses
        held = statuses.count(200)
        refused = statuses.count(429)
        other = len(statuses) - held - refused
        print(
            f"  A's readers: {held} held open, {refused} refused (429), {other} other; Redis clients "
            f"blocked in XREAD: {blocked} when B started, {still_blocked} when B was done"
        )
        print(f"  B, {repeat} visits each (sign in, new thread, one chat turn):")
        compare("sign-in", quiet[0], loaded[0])
        compare("chat first event", quiet[1], loaded[1])
        compare("chat last event", quiet[2], loaded[2])
        for label, errors in (("quiet", quiet[3]), ("loaded", loaded[3])):
            print(f"    errors {label}: {len(errors)}" + (f" ({sorted(set(errors))[:3]})" if errors else ""))
    finally:
        api.proc.terminate()
        try:
            api.proc.wait(timeout=30)
        except Exception:
            api.proc.kill()
        shutil.rmtree(log_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=5, help="B's visits per phase")
    parser.add_argument("--per-user-cap", type=int, default=None, help="RUNCOACH_CHAT_MAX_STREAMS_PER_USER")
    args = parser.parse_args()
    run_on_fresh_database(
        lambda: bench(args.readers, args.repeat, args.per_user_cap), RUNCOACH_LLM_PROVIDER="offline"
    )


if __name__ == "__main__":
    main()
