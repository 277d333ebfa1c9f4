"""A chat turn is one unit of work: a job a tool queues is sent only after the turn commits.

- A new message's turn that queues a Garmin sync (through `sync_garmin`'s own code) and then fails commits
  nothing of its own work and sends no job; one that succeeds sends it once, after the commit.
- `sync_garmin` itself needs the athlete's approval in a chat: once approved, the sync is the athlete's
  decision and stays queued even if the coach's reply after it fails."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from pydantic_ai.messages import ModelMessage, ModelRequest, UserPromptPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from agent.events import ApprovalDecision, ApprovalRequired, ErrorEvent, MessageDone, ToolResult
from agent.stream import stream
from core.database import session_scope
from core.models import Job, Message, User
from core.queue.broker import QUEUE
from tests.agent.conftest import collect, registered
from tests.tools.garmin.helpers import committed_user
from tools.deps import ToolDeps
from tools.garmin.garmin import SyncGarminInput, SyncGarminOutput, sync_garmin
from tools.integrations.credentials import save_credentials


def syncs_then(after: str | None, tool: str = "queue_garmin_sync") -> FunctionModel:
    """Calls `tool`, then answers `after` — or, with None, sends a broken tool call (the turn fails)."""

    async def respond(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        last = messages[-1]
        if isinstance(last, ModelRequest) and any(isinstance(p, UserPromptPart) for p in last.parts):
            yield {0: DeltaToolCall(name=tool, json_args="{}", tool_call_id="s1")}
            return
        if after is None:
            yield {0: DeltaToolCall(name="no_such_tool", json_args="{")}
            return
        yield after

    return FunctionModel(stream_function=respond, model_name="sync-model")


async def queue_garmin_sync(deps: ToolDeps, args: SyncGarminInput) -> SyncGarminOutput:
    """Queue a Garmin sync (sync_garmin's own code, without the approval gate)."""
    return await sync_garmin(deps, args)


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


async def _turn(
    user: User,
    model: FunctionModel,
    checkpointer: AsyncPostgresSaver,
    redis: Redis,
    message: Any = "sync my watch",
    thread: str | None = None,
) -> list[Any]:
    async with session_scope() as session:  # a real, committing session: what the API gives a turn
        me = await session.get_one(User, user.id)
        return await collect(
            stream(me, thread, message, session=session, model=model, checkpointer=checkpointer, redis=redis)
        )


async def _sent(redis: Redis) -> int:
    return int(await redis.xlen(QUEUE)) if await redis.exists(QUEUE) else 0


async def test_a_failing_turn_after_sync_garmin_commits_nothing_and_sends_no_job(
    garmin_user: User, checkpointer: AsyncPostgresSaver, redis: Redis
) -> None:
    sent_before = await _sent(redis)
    with registered("queue_garmin_sync", queue_garmin_sync):
        events = await _turn(garmin_user, syncs_then(None), checkpointer, redis)
    queued = next(e for e in events if isinstance(e, ToolResult) and e.name == "queue_garmin_sync")
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
    sent_before = await _sent(redis)
    with registered("queue_garmin_sync", queue_garmin_sync):
        events = await _turn(garmin_user, syncs_then("Your Garmin sync is running."), checkpointer, redis)
    assert isinstance(events[-1], MessageDone), events
    jobs, _ = await _jobs_and_messages(garmin_user.id)
    assert jobs == 1
    assert await _sent(redis) == sent_before + 1, "the committed job was not sent before the final event"


async def test_an_approved_sync_stays_queued_when_the_reply_after_it_fails(
    garmin_user: User, checkpointer: AsyncPostgresSaver, redis: Redis
) -> None:
    sent_before = await _sent(redis)
    model = syncs_then(None, tool="sync_garmin")
    asked = await _turn(garmin_user, model, checkpointer, redis, "sync my watch")
    approval = asked[-1]
    assert isinstance(approval, ApprovalRequired) and approval.tool == "sync_garmin", asked
    assert await _jobs_and_messages(garmin_user.id) == (0, 2)  # asked, nothing queued yet
    thread = asked[0].thread_id
    decision = ApprovalDecision(approval_id=approval.approval_id, approved=True)
    events = await _turn(garmin_user, model, checkpointer, redis, decision, thread=thread)
    assert isinstance(events[-1], ErrorEvent), events
    jobs, _ = await _jobs_and_messages(garmin_user.id)
    assert jobs == 1 and await _sent(redis) == sent_before + 1
