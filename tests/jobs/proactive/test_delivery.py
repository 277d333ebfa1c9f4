"""Delivery to Telegram through the real python-telegram-bot against the fake Bot API: quiet hours hold a
message and release it, failures are retried with backoff, permanent refusals stop, and two schedulers
(and two deliverers) running at once still send one message.

Data is committed (delivery and the worker use their own units of work); users are deleted after each test.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from redis.asyncio import Redis
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bots.telegram.sender import TelegramSender
from core.database import session_scope
from core.models import Integration, Job, Notification, NotificationDelivery, User
from core.settings import Settings, get_settings
from jobs.tasks.proactive import deliver_notifications, proactive_tick
from tests.factories import create_user
from tests.fakes.telegram import TOKEN, FakeTelegram
from tests.support.worker import running_worker
from tools.notifications import store
from tools.notifications.delivery import BACKOFF_BASE_S, deliver_due
from tools.notifications.preferences import Channel, Trigger

DOMAIN = "proactive-test.example.com"


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake
        assert fake.errors == []


@pytest.fixture
def tg_settings(telegram: FakeTelegram) -> Settings:
    return get_settings().model_copy(
        update={"telegram_bot_token": SecretStr(TOKEN), "telegram_api_url": telegram.api_url}
    )


@pytest.fixture(autouse=True)
async def _cleanup(engine: AsyncEngine) -> AsyncIterator[None]:
    yield
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM users WHERE email LIKE :p"), {"p": f"%@{DOMAIN}"})


async def _linked_user(chat_id: int, *, timezone: str = "UTC") -> User:
    async with session_scope() as session:
        user = await create_user(session, email=f"p-{uuid.uuid4().hex[:8]}@{DOMAIN}", timezone=timezone)
        session.add(Integration(user_id=user.id, provider="telegram", external_id=str(chat_id)))
    return user


async def _notify(user: User, now: datetime, period: str = "2026-10-14") -> int:
    async with session_scope() as session:
        row, _ = await store.create_notification(
            session,
            user.id,
            trigger=Trigger.MORNING_READINESS,
            period_key=period,
            title="Good morning",
            body="Readiness **72** — train as planned.",
            channels=[Channel.WEB, Channel.TELEGRAM],
            now=now,
        )
        return row.id


async def _delivery(notification_id: int) -> NotificationDelivery:
    async with session_scope() as session:
        return (
            await session.execute(
                select(NotificationDelivery).where(
                    NotificationDelivery.notification_id == notification_id,
                    NotificationDelivery.channel == "telegram",
                )
            )
        ).scalar_one()


async def test_quiet_hours_hold_a_message_and_release_it(
    telegram: FakeTelegram, tg_settings: Settings
) -> None:
    chat = 8_800_001
    user = await _linked_user(chat)
    late = datetime(2026, 10, 14, 23, 0, tzinfo=UTC)  # default quiet hours 22:00-07:00
    nid = await _notify(user, late)
    sender = {"telegram": TelegramSender(tg_settings)}

    report = await deliver_due(sender, now=late, user_id=user.id)
    held = await _delivery(nid)
    assert (report.held, held.status) == (1, "held")
    assert held.next_attempt_at == datetime(2026, 10, 15, 7, 0, tzinfo=UTC)
    assert (
        await deliver_due(sender, now=datetime(2026, 10, 15, 6, 59, tzinfo=UTC), user_id=user.id)
    ).sent == 0
    assert telegram.calls_of("sendMessage") == []

    report = await deliver_due(sender, now=datetime(2026, 10, 15, 7, 0, tzinfo=UTC), user_id=user.id)
    sent = await _delivery(nid)
    assert (report.sent, sent.status, sent.attempts) == (1, "sent", 1)
    [message] = telegram.bot_messages(chat)
    assert message["text"] == "Good morning\n\nReadiness 72 — train as planned."
    assert {e["type"] for e in message["entities"]} == {"bold"}
    # delivered is delivered: a later run sends nothing
    await deliver_due(sender, now=datetime(2026, 10, 15, 9, 0, tzinfo=UTC), user_id=user.id)
    assert len(telegram.calls_of("sendMessage")) == 1


async def test_failures_are_retried_with_backoff_and_refusals_stop(
    telegram: FakeTelegram, tg_settings: Settings
) -> None:
    chat = 8_800_002
    user = await _linked_user(chat)
    noon = datetime(2026, 10, 14, 12, 0, tzinfo=UTC)
    nid = await _notify(user, noon)
    sender = {"telegram": TelegramSender(tg_settings)}
    telegram.inject(502, r"/sendMessage$", times=1)
    telegram.inject(429, r"/sendMessage$", times=1, retry_after=120)

    await deliver_due(sender, now=noon, user_id=user.id)
    first = await _delivery(nid)
    assert (first.status, first.attempts) == ("pending", 1)
    assert first.next_attempt_at == noon + timedelta(seconds=BACKOFF_BASE_S)
    assert "Telegram" in (first.last_error or "")
    assert (await deliver_due(sender, now=noon + timedelta(seconds=10), user_id=user.id)).sent == 0

    second_at = noon + timedelta(seconds=BACKOFF_BASE_S)
    await deliver_due(sender, now=second_at, user_id=user.id)
    second = await _delivery(nid)
    assert second.attempts == 2
    assert second.next_attempt_at == second_at + timedelta(seconds=120)  # Telegram's retry_after wins

    await deliver_due(sender, now=second_at + timedelta(seconds=120), user_id=user.id)
    done = await _delivery(nid)
    assert (done.status, done.attempts, done.last_error) == ("sent", 3, None)
    assert len(telegram.bot_messages(chat)) == 1

    # a blocked bot is permanent: one attempt, the reason kept, no retry
    blocked = await _notify(user, noon, period="2026-10-15")
    telegram.inject(
        403,
        r"/sendMessage$",
        times=None,
        body={"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    await deliver_due(sender, now=noon, user_id=user.id)
    failed = await _delivery(blocked)
    assert (failed.status, failed.attempts, failed.next_attempt_at) == ("failed", 1, None)
    assert "blocked" in (failed.last_error or "")


@pytest.fixture
async def worker(engine: AsyncEngine, redis: Redis) -> AsyncIterator[None]:
    async with running_worker():
        yield
    async with session_scope() as session:
        await session.execute(delete(Job).where(Job.kind == "proactive.message"))


async def test_two_schedulers_at_once_send_one_message(
    telegram: FakeTelegram, tg_settings: Settings, worker: None, engine: AsyncEngine
) -> None:
    chat = 8_800_003
    user = await _linked_user(chat, timezone="Asia/Tokyo")
    now = datetime(2026, 10, 14, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo: the morning message is due

    results = await asyncio.gather(proactive_tick(now), proactive_tick(now))
    assert sum(r["enqueued"] for r in results) >= 1

    async def stored() -> list[Notification]:
        async with AsyncSession(engine) as session:
            rows = await session.execute(select(Notification).where(Notification.user_id == user.id))
            return list(rows.scalars())

    deadline = asyncio.get_running_loop().time() + 60
    while not await stored():
        assert asyncio.get_running_loop().time() < deadline, "the worker never wrote the message"
        await asyncio.sleep(0.1)
    async with AsyncSession(engine) as session:
        jobs = await session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.user_id == user.id, Job.kind == "proactive.message")
        )
    assert jobs == 1, "two schedulers enqueue the message once"
    [notification] = await stored()
    assert notification.trigger == "morning_readiness" and notification.period_key == "2026-10-14"
    # the coach used the real tools: readiness, and the proposal for today's session
    assert notification.data["tools"] == ["readiness", "adjust_today"]
    assert notification.body.startswith("Good morning!")  # a short paragraph, not a dump of the tool

    # a third tick after the message exists finds nothing due
    await proactive_tick(now + timedelta(minutes=5))
    # two deliverers at once (two scheduler processes, each with its own bot): one Telegram message
    first = {"telegram": TelegramSender(tg_settings)}
    second = {"telegram": TelegramSender(tg_settings)}
    await asyncio.gather(
        deliver_notifications(now, senders=first), deliver_notifications(now, senders=second)
    )
    assert len(telegram.calls_of("sendMessage", chat_id=chat)) == 1
    assert telegram.bot_messages(chat)[0]["text"].startswith("Good morning — readiness for Wed 14 Oct")
