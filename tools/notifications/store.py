"""Notifications and their deliveries: create once per (user, trigger, period), list, mark read.

The idempotency key `user:trigger:period` is unique in the table, so a retried job, a second scheduler or
a restart that tries to create the same message again gets the existing one back instead of a duplicate.
A new notification gets one delivery row per channel the user enabled (`web` is the inbox itself and is
delivered on creation).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.metrics import PROACTIVE_SENT
from core.models import Notification, NotificationDelivery
from tools.notifications.preferences import Channel, Trigger

MAX_LIST = 100


def idempotency_key(user_id: int, trigger: Trigger | str, period_key: str) -> str:
    return f"{user_id}:{trigger}:{period_key}"


class DeliveryOut(BaseModel):
    channel: str
    status: str = Field(description="pending, held (quiet hours), sent, failed")
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None


class NotificationOut(BaseModel):
    id: int
    trigger: str
    period_key: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None
    deliveries: list[DeliveryOut]


class NotificationList(BaseModel):
    notifications: list[NotificationOut]
    unread: int


async def create_notification(
    session: AsyncSession,
    user_id: int,
    *,
    trigger: Trigger | str,
    period_key: str,
    title: str,
    body: str,
    channels: Sequence[Channel],
    now: datetime,
    data: dict[str, Any] | None = None,
) -> tuple[Notification, bool]:
    """Store a message once; returns (notification, created). A duplicate key returns the existing row."""
    key = idempotency_key(user_id, trigger, period_key)
    new_id = (
        await session.execute(
            insert(Notification)
            .values(
                user_id=user_id,
                trigger=str(trigger),
                period_key=period_key[:64],
                idempotency_key=key,
                title=title[:200],
                body=body,
                data=data or {},
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(Notification.id)
        )
    ).scalar_one_or_none()
    if new_id is None:
        existing = (
            await session.execute(select(Notification).where(Notification.idempotency_key == key))
        ).scalar_one()
        return existing, False
    for channel in dict.fromkeys(channels):
        web = channel == Channel.WEB
        session.add(
            NotificationDelivery(
                notification_id=new_id,
                channel=str(channel),
                status="sent" if web else "pending",
                attempts=1 if web else 0,
                next_attempt_at=None if web else now,
                delivered_at=now if web else None,
            )
        )
    await session.flush()
    if Channel.WEB in channels:  # the web inbox is delivered by being stored
        PROACTIVE_SENT.labels(str(trigger), "web").inc()
    return await session.get_one(Notification, new_id), True


async def exists(session: AsyncSession, user_id: int, trigger: Trigger | str, period_key: str) -> bool:
    key = idempotency_key(user_id, trigger, period_key)
    found = await session.execute(select(Notification.id).where(Notification.idempotency_key == key))
    return found.scalar_one_or_none() is not None


async def list_notifications(
    session: AsyncSession, user_id: int, *, unread_only: bool = False, limit: int = 50
) -> NotificationList:
    """The user's notifications, newest first, with the delivery state of each channel."""
    limit = max(1, min(limit, MAX_LIST))
    stmt = (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    rows = list((await session.execute(stmt)).scalars())
    deliveries: dict[int, list[DeliveryOut]] = {row.id: [] for row in rows}
    if rows:
        for d in (
            await session.execute(
                select(NotificationDelivery)
                .where(NotificationDelivery.notification_id.in_(deliveries))
                .order_by(NotificationDelivery.channel)
            )
        ).scalars():
            deliveries[d.notification_id].append(
                DeliveryOut(
                    channel=d.channel,
                    status=d.status,
                    attempts=d.attempts,
                    next_attempt_at=d.next_attempt_at,
                    delivered_at=d.delivered_at,
                    last_error=d.last_error,
                )
            )
    unread = (
        await session.execute(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
    ).scalar_one()
    return NotificationList(
        notifications=[
            NotificationOut(
                id=row.id,
                trigger=row.trigger,
                period_key=row.period_key,
                title=row.title,
                body=row.body,
                data=row.data,
                created_at=row.created_at,
                read_at=row.read_at,
                deliveries=deliveries[row.id],
            )
            for row in rows
        ],
        unread=int(unread),
    )


async def mark_read(session: AsyncSession, user_id: int, *, ids: Sequence[int] | None, now: datetime) -> int:
    """Mark the user's notifications `ids` (None: all of them) read; returns how many changed.
    Ids of someone else's notifications are simply not matched."""
    if ids is not None and not ids:
        raise InvalidInput("Give the ids of the notifications to mark read, or ask for all of them.")
    stmt = (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
        .returning(Notification.id)
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    return len((await session.execute(stmt)).all())
