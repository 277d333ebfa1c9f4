"""The turn runner without HTTP: a process shutting down mid-turn still ends the turn (buffered final event)
and keeps the athlete's message; a turn that must wait for a slot starts once one is free."""

from __future__ import annotations

import asyncio
import json
import uuid

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from agent.events import ErrorEvent
from agent.threads import list_messages, open_thread
from api.chat.buffer import ChatBuffer
from api.chat.turns import TurnRunner
from core.models import User
from tests.api.chat.conftest import HANG_S, Gate, add_runs
from tests.api.conftest import make_settings, new_email
from tests.factories import create_user


async def _user_and_thread(engine: AsyncEngine) -> tuple[User, uuid.UUID]:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        user = await create_user(session, email=new_email("turns"))
        thread, _ = await open_thread(session, user, None, first_message=None)
        await session.commit()
    await add_runs(engine, user.id)
    return user, thread.id


async def _read(buffer: ChatBuffer, thread: uuid.UUID, cursor: str, turn: str) -> list[str]:
    async def read() -> list[str]:
        return [e.data async for e in buffer.follow(thread, cursor, turn=turn, block_s=0.05)]

    return await asyncio.wait_for(read(), HANG_S)


async def test_shutdown_mid_turn_ends_it_as_interrupted_and_keeps_the_message(
    engine: AsyncEngine, redis: Redis, gate: Gate
) -> None:
    user, thread = await _user_and_thread(engine)
    buffer = ChatBuffer(redis)
    runner = TurnRunner(buffer, make_settings(llm_provider="offline"))
    started = await runner.start(user, thread, "how was my last run?")
    await asyncio.wait_for(gate.entered.wait(), HANG_S)  # mid-turn: inside the tool

    await runner.close(grace_s=0.05)
    assert runner.running == 0
    events = await _read(buffer, thread, started.cursor, started.turn)
    final = ErrorEvent.model_validate_json(events[-1])
    assert final.code == "interrupted" and final.retryable
    assert await buffer.holder(thread) is None, "the thread is free for the next replica"

    async with AsyncSession(engine) as session:
        owner = await session.get(User, user.id)
        assert owner is not None
        messages = await list_messages(session, owner, thread)
    assert (messages[0].role, messages[0].content) == ("user", "how was my last run?")
    assert messages[1].role == "assistant" and messages[1].events[-1]["code"] == "interrupted"
    assert messages[1].events[0]["type"] == "tool_call", "what happened before is kept"


async def test_a_turn_waits_for_a_free_slot(engine: AsyncEngine, redis: Redis, gate: Gate) -> None:
    buffer = ChatBuffer(redis)
    runner = TurnRunner(buffer, make_settings(llm_provider="offline", chat_max_concurrent_turns=1))
    first_user, first_thread = await _user_and_thread(engine)
    second_user, second_thread = await _user_and_thread(engine)
    first = await runner.start(first_user, first_thread, "how was my last run?")
    await asyncio.wait_for(gate.entered.wait(), HANG_S)

    # one slot, taken: the second turn waits, and says so at once (its place in the queue)
    started = await asyncio.wait_for(runner.start(second_user, second_thread, "who am I?"), HANG_S)
    assert runner.slots.waiting == 1
    gate.open()
    first_events = await _read(buffer, first_thread, first.cursor, first.turn)
    second_events = await _read(buffer, second_thread, started.cursor, started.turn)
    assert '"message_done"' in first_events[-1] and '"message_done"' in second_events[-1]
    waiting, running = (json.loads(e) for e in second_events[:2])
    assert (waiting["type"], waiting["queued"]) == ("turn_started", 1)
    assert (running["type"], running["queued"]) == ("turn_started", None)
    assert running["title"] == waiting["title"] == "who am I?"
    await runner.close()


def test_a_batch_joins_adjacent_text_deltas_and_keeps_everything_else_in_order() -> None:
    from agent.events import TextDelta, ToolCall
    from api.chat.turns import _joined

    call = ToolCall(call_id="c1", name="whoami", arguments={})
    batch = [TextDelta(text="You "), TextDelta(text="are "), call, TextDelta(text="Ann"), TextDelta(text=".")]
    assert _joined(batch) == [TextDelta(text="You are "), call, TextDelta(text="Ann.")]
