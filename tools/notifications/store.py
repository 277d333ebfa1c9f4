"""Notifications and their deliveries: create once per (user, trigger, period), list, mark read.

The idempotency key `user:trigger:period` is unique in the table, so a retried job, a second scheduler or
a restart that tries to create the same message again gets the existing one back instead of a duplicate.
A new notification gets one delivery row per channel the user enabled (`web` is the inbox itself and is
delivered on creation).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.metrics import PROACTIVE_SENT
from core.models import Conversation, Message, Notification, NotificationDelivery
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


class Offer(BaseModel):
    """A change the coach proposes with the message (the morning's change to today's session): the paused
    turn it belongs to. Answer it with POST /api/v1/chat/threads/{thread_id}/approvals."""

    thread_id: str
    approval_id: str
    tool: str
    what: str
    why: str
    arguments: dict[str, Any]
    answered: bool = Field(default=False, description="already approved or kept (here, in chat or Telegram)")


class ProposalSignal(BaseModel):
    name: str
    text: str
    worse: bool


class Proposal(BaseModel):
    """adjust_today's proposal, as the card shows it."""

    action: str
    why: str
    session_title: str | None
    proposed_title: str | None
    proposed_km: float | None
    signals: list[ProposalSignal]


def offer_of(data: dict[str, Any]) -> Offer | None:
    raw = data.get("approval")
    try:
        return Offer.model_validate(raw) if isinstance(raw, dict) else None
    except ValueError:
        return None


def proposal_of(data: dict[str, Any]) -> Proposal | None:
    raw = data.get("proposal")
    if not isinstance(raw, dict) or not raw.get("apply_with"):
        return None
    session = raw.get("session") or {}
    proposed = raw.get("proposal") or {}
    return Proposal(
        action=str(raw.get("action")),
        why=str(raw.get("why") or ""),
        session_title=session.get("title"),
        proposed_title=proposed.get("title"),
        proposed_km=proposed.get("distance_km"),
        signals=[
            ProposalSignal(name=str(x.get("name")), text=str(x.get("text")), worse=bool(x.get("worse")))
            for x in raw.get("signals") or []
            if isinstance(x, dict)
        ],
    )


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
    offer: Offer | None = Field(default=None, description="a proposed change waiting for Approve / Keep")
    proposal: Proposal | None = Field(default=None, description="what the offer changes, and why")


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
    offers = {row.id: offer_of(row.data) for row in rows}
    threads = {uuid.UUID(o.thread_id) for o in offers.values() if o is not None}
    answered: set[str] = set()
    if threads:  # a thread with an approval message has had its answer (the turn resumed)
        answered = {
            str(t)
            for t in (
                await session.execute(
                    select(Message.conversation_id)
                    .join(Conversation, Conversation.id == Message.conversation_id)
                    .where(
                        Message.conversation_id.in_(threads),
                        Message.role == "approval",
                        Conversation.user_id == user_id,
                    )
                )
            ).scalars()
        }
    for offer in offers.values():
        if offer is not None:
            offer.answered = offer.thread_id in answered
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
                offer=offers[row.id],
                proposal=proposal_of(row.data),
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
