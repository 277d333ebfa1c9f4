"""Delivering stored notifications to push channels (Telegram), with quiet hours and retries.

Each due delivery is handled in its own small unit of work that holds the delivery row locked
(`FOR UPDATE SKIP LOCKED`) while it sends: two deliverers running at once (two schedulers, two workers)
never pick the same row, and a row is marked `sent` in the same transaction, so it is never sent twice.
(The one window left is a crash between the channel accepting the message and the commit; then the
message is sent again after the lock is released — at least once, never silently lost.)

- In the user's quiet hours a delivery is `held` until they end, then sent.
- A failed send is retried with exponential backoff (or the channel's Retry-After) up to `MAX_ATTEMPTS`;
  a permanent failure (chat not linked, bot blocked) stops at once. Either way the reason is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from core.database import session_scope
from core.metrics import PROACTIVE_SENT
from core.models import Notification, User
from tools.deps import user_zone
from tools.notifications.preferences import get_preferences
from tools.notifications.repository import next_due_delivery

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE_S = 30.0
BACKOFF_CAP_S = 3600.0
DUE_STATUSES = ("pending", "held")


class DeliveryError(Exception):
    """A channel could not deliver. `permanent`: retrying cannot help; `retry_after_s`: the channel said
    when to try again."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after_s = retry_after_s


class ChannelSender(Protocol):
    """Sends one notification to one user on one channel (raises DeliveryError when it cannot)."""

    async def send(self, session: AsyncSession, user: User, notification: Notification) -> None: ...


def backoff_s(attempts: int) -> float:
    return min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1))


@dataclass
class DeliveryReport:
    sent: int = 0
    held: int = 0
    retrying: int = 0
    failed: int = 0
    log: list[tuple[int, str, str]] = field(default_factory=list)  # (notification id, channel, outcome)


Scope = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def deliver_one(
    session: AsyncSession,
    senders: Mapping[str, ChannelSender],
    now: datetime,
    report: DeliveryReport,
    *,
    user_id: int | None = None,
) -> bool:
    """Handle the next due delivery inside `session` (the caller commits). False when none is due."""
    found = await next_due_delivery(session, now, list(senders), DUE_STATUSES, user_id)
    if found is None:
        return False
    delivery, notification, user = found
    prefs = get_preferences(user)
    tz = user_zone(user)
    if prefs.quiet_hours is not None and prefs.quiet_hours.contains(now.astimezone(tz).time()):
        delivery.status = "held"
        delivery.next_attempt_at = prefs.quiet_hours.ends_after(now, tz)
        report.held += 1
        report.log.append((notification.id, delivery.channel, f"held until {delivery.next_attempt_at}"))
        await session.flush()
        return True
    delivery.attempts += 1
    try:
        await senders[delivery.channel].send(session, user, notification)
    except Exception as raised:
        exc = (
            raised
            if isinstance(raised, DeliveryError)
            else DeliveryError(f"{type(raised).__name__}: {raised}")
        )
        delivery.last_error = exc.message[:500]
        if exc.permanent or delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = "failed"
            delivery.next_attempt_at = None
            report.failed += 1
            report.log.append((notification.id, delivery.channel, f"failed: {exc.message}"))
        else:
            delay = max(exc.retry_after_s or 0.0, backoff_s(delivery.attempts))
            delivery.status = "pending"
            delivery.next_attempt_at = now + timedelta(seconds=delay)
            report.retrying += 1
            report.log.append((notification.id, delivery.channel, f"retry in {delay:.0f}s: {exc.message}"))
        log.warning(
            "delivery of notification %s on %s failed (attempt %s): %s",
            notification.id,
            delivery.channel,
            delivery.attempts,
            exc.message,
        )
    else:
        delivery.status = "sent"
        delivery.delivered_at = now
        PROACTIVE_SENT.labels(notification.trigger, delivery.channel).inc()
        delivery.next_attempt_at = None
        delivery.last_error = None
        report.sent += 1
        report.log.append((notification.id, delivery.channel, "sent"))
    await session.flush()
    return True


async def deliver_due(
    senders: Mapping[str, ChannelSender],
    *,
    now: datetime,
    scope: Scope = session_scope,
    limit: int = 200,
    user_id: int | None = None,
) -> DeliveryReport:
    """Deliver everything due at `now`, one delivery per unit of work. Safe to run concurrently."""
    report = DeliveryReport()
    for _ in range(limit):
        async with scope() as session:
            if not await deliver_one(session, senders, now, report, user_id=user_id):
                break
    return report
