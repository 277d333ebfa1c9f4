"""The Telegram bot against the local fake Bot API (tests/fakes/telegram.py), on the real PostgreSQL and
Redis, long polling exactly as `runcoach bot` does.

The bot opens its own units of work, so data here is committed; every user is created with an
`@bot-test.example.com` email and deleted after the test (their rows follow by ON DELETE CASCADE).
"""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from pydantic import SecretStr
from pydantic_ai.models import Model
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from agent.checkpoint import open_checkpointer
from bots.telegram.app import run_polling
from bots.telegram.handlers import CoachBot
from core.models import User
from core.runtime import Services
from core.settings import Settings, get_settings
from tests.factories import create_user
from tests.fakes.telegram import TOKEN, FakeTelegram

EMAIL_DOMAIN = "bot-test.example.com"


@pytest.fixture(scope="session")
async def bot_checkpointer(services: Services) -> AsyncIterator[AsyncPostgresSaver]:
    saver, pool = await open_checkpointer(services.database_url, max_size=4)
    yield saver
    await pool.close()


@pytest.fixture
def telegram(request: pytest.FixtureRequest) -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            print(f"\n--- Bot API calls of the failed test ---\n{fake.transcript()}")
        assert fake.errors == [], fake.errors


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def bot_settings(telegram: FakeTelegram) -> Settings:
    return get_settings().model_copy(
        update={
            "telegram_bot_token": SecretStr(TOKEN),
            "telegram_api_url": telegram.api_url,
            "telegram_edit_interval_s": 0.0,  # every delta is an edit: the test sees the stream
            "public_url": "https://coach.example.com",
            "llm_provider": "offline",
        }
    )


@pytest.fixture(autouse=True)
async def _delete_bot_users(engine: AsyncEngine) -> AsyncIterator[None]:
    yield
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM users WHERE email LIKE :p"), {"p": f"%@{EMAIL_DOMAIN}"})


@pytest.fixture
async def athlete(engine: AsyncEngine) -> User:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        user = await create_user(
            session, email=f"tg-{uuid.uuid4().hex[:8]}@{EMAIL_DOMAIN}", display_name="Telegram Runner"
        )
        await session.commit()
    return user


StartBot = Callable[..., Awaitable[CoachBot]]


@pytest.fixture
async def start_bot(
    bot_settings: Settings, bot_checkpointer: AsyncPostgresSaver, redis: Redis
) -> AsyncIterator[StartBot]:
    """`await start_bot(model=None)` → the bot long-polling the fake until the test ends."""
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []

    async def start(model: Model | None = None, **overrides: Any) -> CoachBot:
        settings = bot_settings.model_copy(update=overrides) if overrides else bot_settings
        coach = CoachBot(settings, model=model, checkpointer=bot_checkpointer, redis=lambda: redis)
        tasks.append(asyncio.create_task(run_polling(settings, stop, coach=coach, poll_timeout=1)))
        return coach

    yield start
    stop.set()
    for task in tasks:
        await asyncio.wait_for(task, timeout=15)


async def until(condition: Callable[[], Any], *, within_s: float = 30.0, what: str = "condition") -> Any:
    """Wait for the bot (a separate task) to get somewhere; fail with `what` if it never does.
    A deadline for a failure message, not a timing assertion."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
