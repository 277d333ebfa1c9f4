"""Turns are shared fairly between users: one user posting in many threads takes at most
`chat_max_turns_per_user` of the process's slots, and a free slot goes to the waiting user with the fewest
turns running, not to the next of the busy user's queued turns. The real turn runner, the offline coach, the
real `list_gear` tool held per call (each call waits for its own release), real PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace

import pytest
from pydantic import BaseModel
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from agent.threads import open_thread
from api.chat.buffer import BufferedEvent, ChatBuffer
from api.chat.turns import Started, TurnRunner
from core.models import User
from tests.api.chat.conftest import HANG_S
from tests.api.conftest import make_settings, new_email
from tests.factories import create_user
from tools import registry
from tools.deps import ToolDeps
from tools.registry import all_tools

QUESTION = "How many km on my shoes?"  # one `list_gear` call (a tool the turn context does not load)


@dataclass
class Call:
    user_id: int
    release: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Turnstile:
    """Every `list_gear` call, in the order they came, each held until its own `release` is set."""

    calls: list[Call] = field(default_factory=list)
    opened: bool = False  # every call, also those still to come, goes through

    async def wait_for(self, n: int) -> list[Call]:
        async def until() -> list[Call]:
            while True:
                if len(self.calls) >= n:
                    return self.calls
                await asyncio.sleep(0.01)

        return await asyncio.wait_for(until(), HANG_S)

    def open(self) -> None:
        self.opened = True
        for call in self.calls:
            call.release.set()


@pytest.fixture
async def turnstile(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Turnstile]:
    all_tools()
    spec = registry._REGISTRY["list_gear"]
    held = Turnstile()
    real = spec.fn

    async def one_at_a_time(deps: ToolDeps, args: BaseModel) -> BaseModel:
        call = Call(user_id=deps.user_id)
        if held.opened:
            call.release.set()
        held.calls.append(call)
        await call.release.wait()
        return await real(deps, args)

    monkeypatch.setitem(registry._REGISTRY, "list_gear", replace(spec, fn=one_at_a_time))
    yield held
    held.open()  # a failed test leaves no turn holding its rows


Threads = Callable[[int], Awaitable[tuple[User, list[uuid.UUID]]]]


@pytest.fixture
def athlete(engine: AsyncEngine) -> Threads:
    async def make(threads: int) -> tuple[User, list[uuid.UUID]]:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            user = await create_user(session, email=new_email("fair"))
            ids = []
            for _ in range(threads):
                thread, _ = await open_thread(session, user, None, first_message=None)
                ids.append(thread.id)
            await session.commit()
        # no activities: a first turn computes their missing training loads in its transaction, and another
        # turn of the same user waits on those rows, which would hide what the scheduler does
        return user, ids

    return make


async def _until(check: Callable[[], bool]) -> None:
    async def poll() -> None:
        while True:
            if check():
                return
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), HANG_S)


async def _only_queued(buffer: ChatBuffer, started: Started) -> None:
    """A waiting turn has answered its client at once: a `turn_started` with its place in the queue, and
    nothing more while it waits."""

    async def events() -> list[BufferedEvent]:
        key = f"runcoach:chat:{started.thread_id}:events"
        entries = await buffer.redis.xrange(key, min=f"({started.cursor}")
        return [BufferedEvent.from_entry(entry_id, fields) for entry_id, fields in entries]

    async def poll() -> list[BufferedEvent]:
        while True:
            if got := await events():
                return got
            await asyncio.sleep(0.01)

    got = await asyncio.wait_for(poll(), HANG_S)
    assert [e.type for e in got] == ["turn_started"]
    assert json.loads(got[0].data)["queued"] >= 1


async def _finish(buffer: ChatBuffer, runner: TurnRunner, started: list[Started]) -> None:
    """Every turn (the turnstile is open) ends with `message_done`."""

    async def end(s: Started) -> str:
        return [e.type async for e in buffer.follow(s.thread_id, s.cursor, turn=s.turn, block_s=0.05)][-1]

    ends = await asyncio.wait_for(asyncio.gather(*(end(s) for s in started)), HANG_S)
    assert ends == ["message_done"] * len(started)
    await runner.close()


async def test_one_user_in_many_threads_takes_only_their_share(
    redis: Redis, athlete: Threads, turnstile: Turnstile
) -> None:
    buffer = ChatBuffer(redis)
    settings = make_settings(llm_provider="offline", chat_max_concurrent_turns=8, chat_max_turns_per_user=2)
    runner = TurnRunner(buffer, settings)
    busy, busy_threads = await athlete(3)
    other, (other_thread,) = await athlete(1)

    first = [await runner.start(busy, t, QUESTION) for t in busy_threads[:2]]
    await turnstile.wait_for(2)
    third = asyncio.create_task(runner.start(busy, busy_threads[2], QUESTION))
    await _until(lambda: runner.running == 3)  # the third turn's task exists (it waits, or runs)

    theirs = await asyncio.wait_for(runner.start(other, other_thread, QUESTION), HANG_S)
    calls = await turnstile.wait_for(3)
    assert [c.user_id for c in calls] == [busy.id, busy.id, other.id], (
        "the busy user's third turn waits; the other user's starts at once"
    )
    await _only_queued(buffer, await asyncio.wait_for(third, HANG_S))

    turnstile.open()
    await _finish(buffer, runner, [*first, theirs, await asyncio.wait_for(third, HANG_S)])


async def test_a_free_slot_goes_to_the_user_with_fewer_turns_running(
    redis: Redis, athlete: Threads, turnstile: Turnstile
) -> None:
    buffer = ChatBuffer(redis)
    settings = make_settings(llm_provider="offline", chat_max_concurrent_turns=2, chat_max_turns_per_user=2)
    runner = TurnRunner(buffer, settings)
    busy, busy_threads = await athlete(3)
    other, (other_thread,) = await athlete(1)

    first = [await runner.start(busy, t, QUESTION) for t in busy_threads[:2]]
    calls = await turnstile.wait_for(2)  # the process is full
    queued_first = asyncio.create_task(runner.start(busy, busy_threads[2], QUESTION))
    await _until(lambda: runner.running == 3)
    queued_second = asyncio.create_task(runner.start(other, other_thread, QUESTION))
    await _until(lambda: runner.running == 4)
    await _until(lambda: runner.slots.waiting == 2)  # both queued turns wait for a slot

    calls[0].release.set()  # one of the busy user's turns ends: one slot is free
    calls = await turnstile.wait_for(3)
    assert calls[2].user_id == other.id, "the other user (0 running) goes before the busy user's third turn"
    await _only_queued(buffer, await asyncio.wait_for(queued_first, HANG_S))

    turnstile.open()
    await _finish(
        buffer,
        runner,
        [*first, await asyncio.wait_for(queued_second, HANG_S), await asyncio.wait_for(queued_first, HANG_S)],
    )
