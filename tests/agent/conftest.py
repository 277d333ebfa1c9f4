"""Fixtures for the agent: a PostgreSQL checkpointer, the offline model, tools registered for one test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from pydantic import BaseModel
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

import knowledge.tool  # noqa: F401  (registers search_knowledge until it is listed in TOOL_MODULES)
from agent.checkpoint import open_checkpointer
from agent.events import CoachEvent
from agent.offline import offline_model
from core.models import User
from core.runtime import Services
from tests.factories import create_activity, create_user
from tools import registry
from tools.deps import ToolDeps
from tools.registry import all_tools, tool

NOW = datetime(2026, 10, 20, 18, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
async def checkpointer(services: Services) -> AsyncIterator[AsyncPostgresSaver]:
    saver, pool = await open_checkpointer(services.database_url, max_size=4)
    yield saver
    await pool.close()


@pytest.fixture
def offline() -> Any:
    return offline_model()


async def collect(events: AsyncIterator[CoachEvent]) -> list[CoachEvent]:
    return [event async for event in events]


def types(events: list[CoachEvent]) -> list[str]:
    return [event.type for event in events]


@contextmanager
def registered(name: str, fn: Callable[..., Awaitable[Any]], *, side_effect: bool = False) -> Iterator[None]:
    """Register `fn` as tool `name` for one test (unless a real tool of that name exists: then use that)."""
    all_tools()  # load the real modules first, so ours never shadows one of them
    if name in {spec.name for spec in all_tools()}:
        yield
        return
    fn.__name__ = name
    tool(side_effect=side_effect, name=name)(fn)
    try:
        yield
    finally:
        registry._REGISTRY.pop(name, None)


@pytest.fixture
def activities_tool() -> str:
    """The real tool the offline coach answers "how was my last run?" with."""
    assert "last_activity" in {spec.name for spec in all_tools()}
    return "last_activity"


@pytest.fixture
async def runner(db: AsyncSession) -> User:
    user = await create_user(db, display_name="Test Runner")
    for days_ago, seconds, speed in ((1, 3000, 3.35), (3, 2400, 3.1), (9, 4800, 3.0)):
        await create_activity(
            db,
            user,
            start=NOW - timedelta(days=days_ago, hours=10),
            seconds=seconds,
            speed=speed,
            name=f"Run {days_ago}",
        )
    return user


# --- a side-effect tool with a visible effect -------------------------------------------------------

PUSHED: list[tuple[int, str]] = []


class PushInput(BaseModel):
    date: str


class PushOutput(BaseModel):
    pushed: bool
    date: str
    summary: str


async def _push(deps: ToolDeps, args: PushInput) -> PushOutput:
    """Push the planned workout of `date` to the athlete's watch (test double with a visible side effect)."""
    PUSHED.append((deps.user_id, args.date))
    return PushOutput(pushed=True, date=args.date, summary=f"workout of {args.date} sent to the watch")


_push.__annotations__ = {"deps": ToolDeps, "args": PushInput, "return": PushOutput}


@pytest.fixture
def push_tool() -> Iterator[str]:
    PUSHED.clear()
    with registered("test_push_workout", _push, side_effect=True):
        yield "test_push_workout"


@pytest.fixture
async def committed_user(engine: AsyncEngine) -> AsyncIterator[User]:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        user = await create_user(
            session, email=f"chat-{uuid.uuid4().hex[:8]}@example.com", display_name="Chat"
        )
        await session.commit()
    yield user
    async with AsyncSession(engine) as session:
        await session.execute(delete(User).where(User.id == user.id))
        await session.commit()
