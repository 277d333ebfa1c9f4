"""A chat turn is one unit of work: a job a tool queues is sent only after the turn commits. A turn that calls
`sync_garmin` and then fails commits nothing of its own work and sends no job; one that succeeds sends it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from pydantic_ai.messages import ModelMessage, ModelRequest, UserPromptPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from agent.events import ErrorEvent, MessageDone, ToolResult
from agent.stream import stream
from core.database import session_scope
from core.models import Job, Message, User
from jobs.broker import QUEUE
from tests.agent.conftest import collect
from tests.tools.garmin.helpers import committed_user
from tools.integrations.credentials import save_credentials


def syncs_then(after: str | None) -> FunctionModel:
    """Calls sync_garmin, then answers `after` — or, with None, sends a broken tool call (the turn fails)."""

    async def respond(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        last = messages[-1]
        if isinstance(last, ModelRequest) and any(isinstance(p, UserPromptPart) for p in last.parts):
            yield {0: DeltaToolCall(name="sync_garmin", json_args="{}", tool_call_id="s1")}
            return
        if after is None:
            yield {0: DeltaToolCall(name="no_such_tool", json_args="{")}
            return
        yield after

    return FunctionModel(stream_function=respond, model_name="sync-model")


@pytest.fixture
async def garmin_user(engine: AsyncEngine, redis: Redis) -> AsyncIterator[User]:
    async with committed_user() as user:
        async with session_scope() as session:
            await save_credentials(session, user.id, "garmin", {"oauth": "test"}, reconnect=True)
        yield user


async def _jobs_and_messages(user_id: int) -> tuple[int, int]:
    async with session_scope() as session:
        jobs = await session.scalar(select(func.count()).select_from(Job).where(Job.user_id == user_id))
        messages = await session.scalar(
            select(func.count()).select_from(Message).where(Message.user_id == user_id)
        )
    return int(jobs or 0), int(messages or 0)


async def _turn(user: User, model: FunctionModel, checkpointer: AsyncPostgresSaver, redis: Redis) -> list:
    async with session_scope() as session:  # a real, committing session: what the API gives a turn
        me = await session.get_one(User, user.id)
        return await collect(
            stream(
                me,
                None,
                "sync my watch",
                session=session,
                model=model,
                checkpointer=checkpointer,
                redis=redis,
            )
        )


async def test_a_failing_turn_after_sync_garmin_commits_nothing_and_sends_no_job(
    garmin_user: User, checkpointer: AsyncPostgresSaver, redis: Redis
) -> None:
    sent_before = await redis.xlen(QUEUE) if await redis.exists(QUEUE) else 0
    events = await _turn(garmin_user, syncs_then(None), checkpointer, redis)
    queued = next(e for e in events if isinstance(e, ToolResult) and e.name == "sync_garmin")
    assert queued.ok and queued.data and queued.data["status"] == "queued"  # the tool did queue it…
    assert isinstance(events[-1], ErrorEvent), events
    await asyncio.sleep(0.3)  # a send would be a task after commit
    jobs, messages = await _jobs_and_messages(garmin_user.id)
    assert jobs == 0, "the failed turn's job row was committed"
    assert messages == 2  # …but only the athlete's message and the error were saved
    sent = await redis.xrange(QUEUE) if await redis.exists(QUEUE) else []
    assert (await redis.xlen(QUEUE) if await redis.exists(QUEUE) else 0) == sent_before, (
        f"a job was sent: {sent} before={sent_before}"
    )


async def test_a_turn_that_succeeds_sends_its_job_after_commit(
    garmin_user: User, checkpointer: AsyncPostgresSaver, redis: Redis
) -> None:
    sent_before = await redis.xlen(QUEUE) if await redis.exists(QUEUE) else 0
    events = await _turn(garmin_user, syncs_then("Your Garmin sync is running."), checkpointer, redis)
    assert isinstance(events[-1], MessageDone), events
    jobs, _ = await _jobs_and_messages(garmin_user.id)
    assert jobs == 1
    for _ in range(50):
        if (await redis.xlen(QUEUE) if await redis.exists(QUEUE) else 0) > sent_before:
            break
        await asyncio.sleep(0.05)
    assert await redis.xlen(QUEUE) == sent_before + 1, "the committed job was not sent to the broker"
