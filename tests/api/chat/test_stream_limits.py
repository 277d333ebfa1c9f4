"""One user's open event streams cannot take the site down: their blocking reads run on their own Redis pool
(never the connections that sign-ins, sessions and rate limits use), and one user may have only
`chat_max_streams_per_user` streams open at once (a 429 that says what to do). Real uvicorn, real Redis."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from core import redis as core_redis
from core.runtime import Services
from tests.api.chat.conftest import HANG_S, ChatUser, Gate, Live, SseReader, add_runs
from tests.api.conftest import assert_problem, login, new_email, register

ChatUserFactory = Callable[[str], Awaitable[ChatUser]]
QUESTION = "how was my last run?"


async def _blocked_readers(redis: Redis, at_least: int) -> int:
    """Wait until at least `at_least` Redis clients are blocked in XREAD (a hang fails the test)."""

    async def count() -> int:
        while True:
            blocked = sum(1 for c in await redis.client_list() if c.get("cmd") == "xread")
            if blocked >= at_least:
                return blocked
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(count(), HANG_S)


@contextlib.asynccontextmanager
async def _readers(client: httpx.AsyncClient, thread: str, n: int) -> AsyncIterator[list[httpx.Response]]:
    """`n` open GET …/events streams of `thread` (closed on exit)."""
    async with contextlib.AsyncExitStack() as stack:
        opened = []
        for _ in range(n):
            response = await stack.enter_async_context(
                client.stream("GET", f"/api/v1/chat/threads/{thread}/events")
            )
            opened.append(response)
        yield opened


async def test_one_users_readers_never_take_the_connections_others_need(
    live: Live, chat_user: ChatUserFactory, engine: AsyncEngine, gate: Gate, redis: Redis, services: Services
) -> None:
    # a main pool of 8, and one user with 12 streams (the per-user cap set high): before readers had their
    # own pool, they held all 8 in XREAD BLOCK and every other request got "Too many connections" (503)
    small = Redis.from_url(services.redis_url, max_connections=8)
    core_redis.use_redis(small)
    url = await live(chat_max_streams_per_user=50)
    greedy = await chat_user(url)
    await add_runs(engine, greedy.user_id)
    thread = await greedy.thread()

    async with greedy.client.stream(
        "POST", f"/api/v1/chat/threads/{thread}/messages", json={"content": QUESTION}
    ) as posted:
        assert posted.status_code == 200
        turn = SseReader(posted)
        await turn.events(lambda e: e.event == "tool_call")  # the turn is held inside its tool
        async with _readers(greedy.client, thread, 11) as readers:
            assert [r.status_code for r in readers] == [200] * 11
            # the 11 readers block in XREAD; the POST's own stream takes its turn's events from the turn's
            # writer in this process (`ChatBuffer.follow`), not from Redis
            await _blocked_readers(redis, at_least=11)

            async with httpx.AsyncClient(base_url=url, timeout=HANG_S) as other:
                email = new_email("other")
                assert (await register(other, email)).status_code == 201
                signed_in = await login(other, email)
                assert signed_in.status_code == 200, signed_in.text
                threads = await other.get("/api/v1/chat/threads")
                assert threads.status_code == 200, threads.text
                created = await other.post("/api/v1/chat/threads", json={})
                assert created.status_code == 201, created.text

            gate.open()  # the running turn can still write its events: every reader gets the end
            for reader in readers:
                events = await SseReader(reader).events()
                assert events[-1].event == "message_done"
        rest = await turn.events()
        assert rest[-1].event == "message_done"


async def test_one_user_may_have_only_so_many_streams_open(
    live: Live, chat_user: ChatUserFactory, engine: AsyncEngine, gate: Gate
) -> None:
    url = await live(chat_max_streams_per_user=2)
    me = await chat_user(url)
    await add_runs(engine, me.user_id)
    thread = await me.thread()
    someone_else = await chat_user(url)

    async with me.client.stream(
        "POST", f"/api/v1/chat/threads/{thread}/messages", json={"content": QUESTION}
    ) as posted:  # stream 1
        turn = SseReader(posted)
        await turn.events(lambda e: e.event == "tool_call")
        async with _readers(me.client, thread, 1) as (second,):  # stream 2
            assert second.status_code == 200
            refused = await me.client.get(f"/api/v1/chat/threads/{thread}/events")
            body = assert_problem(refused, 429, "rate_limited")
            assert "2 conversation streams open" in body["detail"] and "Close other" in body["detail"]
            assert refused.headers["retry-after"]
            other_thread = await someone_else.thread()
            assert (await someone_else.client.get(f"/api/v1/chat/threads/{other_thread}")).status_code == 200
        # the second stream closed: its slot is given back (as soon as the server sees the client gone)

        async def reopened() -> int:
            while True:
                async with me.client.stream("GET", f"/api/v1/chat/threads/{thread}/events") as again:
                    if again.status_code != 429:
                        return again.status_code
                await asyncio.sleep(0.05)

        assert await asyncio.wait_for(reopened(), HANG_S) == 200
        gate.open()
        assert (await turn.events())[-1].event == "message_done"
