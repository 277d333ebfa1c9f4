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
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, InvalidInput
from core.metrics import PROACTIVE_SENT
from core.models import Notification, NotificationDelivery
from tools.notifications.preferences import Channel, Trigger
from tools.notifications.repository import Notifications

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
    notifications = Notifications(session, user_id)
    new_id = await notifications.insert_once(
        key,
        {
            "trigger": str(trigger),
            "period_key": period_key[:64],
            "title": title[:200],
            "body": body,
            "data": data or {},
            "created_at": now,
        },
    )
    if new_id is None:
        existing = await notifications.by_key(key)
        if existing is None:  # the key names this user: only a delete racing this insert gets here
            raise Conflict("This message was removed while it was being stored again; try again.")
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
    return await Notifications(session, user_id).by_key(key) is not None


async def list_notifications(
    session: AsyncSession, user_id: int, *, unread_only: bool = False, limit: int = 50
) -> NotificationList:
    """The user's notifications, newest first, with the delivery state of each channel."""
    limit = max(1, min(limit, MAX_LIST))
    notifications = Notifications(session, user_id)
    rows = await notifications.newest(limit, unread_only=unread_only)
    deliveries: dict[int, list[DeliveryOut]] = {row.id: [] for row in rows}
    if rows:
        for d in await notifications.deliveries(deliveries):
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
        answered = await notifications.answered_threads(threads)
    for offer in offers.values():
        if offer is not None:
            offer.answered = offer.thread_id in answered
    unread = await notifications.unread()
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
    return await Notifications(session, user_id).mark_read(ids, now)
