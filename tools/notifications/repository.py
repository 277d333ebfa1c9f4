"""Every statement of proactive coaching: `notifications` and their deliveries, the Telegram link (an
`integrations` row with provider `telegram`), and the reads that decide which messages are due.

Reads and writes are made for one user. Three statements are not, on purpose, each saying why: the
deliverer's pick of the next due delivery (it serves every user), finding the account a Telegram chat is
linked to (the chat is how the user is found), and moving a chat away from another account when it is linked
to a new one (a chat belongs to one account at a time).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import (
    Activity,
    ActivityGear,
    Conversation,
    DailyHealth,
    Gear,
    Integration,
    Message,
    Notification,
    NotificationDelivery,
    PlannedSession,
    Race,
    TrainingPlan,
    User,
)
from core.repository import OwnedRepository

TELEGRAM = "telegram"


# --- notifications -------------------------------------------------------------------------------------


class Notifications(OwnedRepository[Notification]):
    model = Notification
    what = "notification"

    async def insert_once(self, key: str, values: dict[str, Any]) -> int | None:
        """Insert the user's notification with idempotency key `key`; None if one with that key exists."""
        return await self.session.scalar(
            insert(Notification)
            .values(user_id=self.user_id, idempotency_key=key, **values)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(Notification.id)
        )

    async def by_key(self, key: str) -> Notification | None:
        return await self.session.scalar(self.select().where(Notification.idempotency_key == key))

    async def stored_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of these idempotency keys the user's notifications already have."""
        rows = await self.session.scalars(
            select(Notification.idempotency_key).where(
                Notification.user_id == self.user_id, Notification.idempotency_key.in_(list(keys))
            )
        )
        return set(rows.all())

    async def newest(self, limit: int, *, unread_only: bool = False) -> list[Notification]:
        stmt = self.select().order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
        if unread_only:
            stmt = stmt.where(Notification.read_at.is_(None))
        return list((await self.session.scalars(stmt)).all())

    async def deliveries(self, notification_ids: Iterable[int]) -> list[NotificationDelivery]:
        """The deliveries of the user's notifications `notification_ids`, by channel."""
        rows = await self.session.scalars(
            select(NotificationDelivery)
            .join(Notification, Notification.id == NotificationDelivery.notification_id)
            .where(
                Notification.user_id == self.user_id,
                NotificationDelivery.notification_id.in_(list(notification_ids)),
            )
            .order_by(NotificationDelivery.channel)
        )
        return list(rows.all())

    async def unread(self) -> int:
        found = await self.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == self.user_id, Notification.read_at.is_(None))
        )
        return int(found or 0)

    async def mark_read(self, ids: Sequence[int] | None, now: datetime) -> int:
        """Mark the user's unread notifications `ids` (None: all) read; how many changed."""
        stmt = (
            update(Notification)
            .where(Notification.user_id == self.user_id, Notification.read_at.is_(None))
            .values(read_at=now)
            .returning(Notification.id)
        )
        if ids is not None:
            stmt = stmt.where(Notification.id.in_(list(ids)))
        return len((await self.session.execute(stmt)).all())

    async def answered_threads(self, threads: Iterable[uuid.UUID]) -> set[str]:
        """Which of the user's chat threads have an approval message (the offered turn was answered)."""
        rows = await self.session.scalars(
            select(Message.conversation_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.conversation_id.in_(list(threads)),
                Message.role == "approval",
                Conversation.user_id == self.user_id,
            )
        )
        return {str(t) for t in rows.all()}


async def next_due_delivery(
    session: AsyncSession, now: datetime, channels: list[str], statuses: Sequence[str], user_id: int | None
) -> tuple[NotificationDelivery, Notification, User] | None:
    """The next delivery due at `now` on `channels`, locked (`SKIP LOCKED`: concurrent deliverers never
    pick the same row), with its notification and user. Not scoped by user unless `user_id` is given:
    the deliverer serves every user's deliveries in the order they are due."""
    stmt = (
        select(NotificationDelivery, Notification, User)
        .join(Notification, Notification.id == NotificationDelivery.notification_id)
        .join(User, User.id == Notification.user_id)
        .where(
            NotificationDelivery.status.in_(statuses),
            NotificationDelivery.next_attempt_at <= now,
            NotificationDelivery.channel.in_(channels),
        )
        .order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
        .limit(1)
        .with_for_update(of=NotificationDelivery, skip_locked=True)
    )
    if user_id is not None:
        stmt = stmt.where(Notification.user_id == user_id)
    row = (await session.execute(stmt)).first()
    return (row[0], row[1], row[2]) if row else None


# --- the Telegram link ---------------------------------------------------------------------------------


class TelegramLinks:
    """The user's Telegram link: at most one `integrations` row with provider `telegram`."""

    def __init__(self, session: AsyncSession, user_id: int) -> None:
        self.session = session
        self.user_id = user_id

    async def get(self) -> Integration | None:
        """The link, connected or not."""
        return await self.session.scalar(
            select(Integration).where(Integration.user_id == self.user_id, Integration.provider == TELEGRAM)
        )

    async def connected_chat(self) -> str | None:
        """The chat id of a connected link."""
        return await self.session.scalar(
            select(Integration.external_id).where(
                Integration.user_id == self.user_id,
                Integration.provider == TELEGRAM,
                Integration.status == "connected",
            )
        )

    def add(self, chat: str, settings: dict[str, Any]) -> Integration:
        link = Integration(
            user_id=self.user_id, provider=TELEGRAM, external_id=chat, status="connected", settings=settings
        )
        self.session.add(link)
        return link

    async def remove(self) -> bool:
        """Delete the link; True when there was one."""
        result = await self.session.execute(
            delete(Integration)
            .where(Integration.provider == TELEGRAM, Integration.user_id == self.user_id)
            .returning(Integration.id)
        )
        return bool(result.all())

    async def take_chat(self, chat: str) -> None:
        """Unlink `chat` from any other account, so it can link to this one. Not scoped to this user: a
        chat belongs to one account at a time, and linking it here is what moves it."""
        await self.session.execute(
            delete(Integration).where(
                Integration.provider == TELEGRAM,
                Integration.external_id == chat,
                Integration.user_id != self.user_id,
            )
        )


async def user_for_chat(session: AsyncSession, chat: str) -> User | None:
    """The account a chat is connected to. Not scoped by user: the chat is how the user is found."""
    return await session.scalar(
        select(User)
        .join(Integration, Integration.user_id == User.id)
        .where(
            Integration.provider == TELEGRAM,
            Integration.external_id == chat,
            Integration.status == "connected",
        )
    )


async def unlink_chat(session: AsyncSession, chat: str) -> bool:
    """Delete the link of a chat, whichever account it is on. Not scoped by user: the chat is how the
    link is found. True when there was one."""
    result = await session.execute(
        delete(Integration)
        .where(Integration.provider == TELEGRAM, Integration.external_id == chat)
        .returning(Integration.id)
    )
    return bool(result.all())


# --- what the triggers read ----------------------------------------------------------------------------


class TriggerReads:
    """The user's rows the proactive triggers look at (health, runs, races, gear, the plan)."""

    def __init__(self, session: AsyncSession, user_id: int) -> None:
        self.session = session
        self.user_id = user_id

    async def night_data_in(self, day: date) -> bool:
        """Whether last night's sleep or HRV is stored for `day`."""
        found = await self.session.scalar(
            select(DailyHealth.id)
            .where(
                DailyHealth.user_id == self.user_id,
                DailyHealth.day == day,
                (DailyHealth.sleep_s.isnot(None)) | (DailyHealth.hrv_ms.isnot(None)),
            )
            .limit(1)
        )
        return found is not None

    async def runs_ended_since(self, since: datetime, now: datetime, *, limit: int) -> list[Activity]:
        """The newest runs (not legs) that started after `since` and ended by `now`."""
        ended = Activity.start_time + func.make_interval(
            0, 0, 0, 0, 0, 0, func.coalesce(Activity.elapsed_s, 0)
        )
        rows = await self.session.scalars(
            select(Activity)
            .where(
                Activity.user_id == self.user_id,
                Activity.parent_id.is_(None),
                Activity.sport == "running",
                Activity.start_time > since,
                ended <= now,
            )
            .order_by(Activity.start_time.desc())
            .limit(limit)
        )
        return list(rows.all())

    async def races_on(self, days: Iterable[date]) -> list[Race]:
        rows = await self.session.scalars(
            select(Race).where(Race.user_id == self.user_id, Race.date.in_(list(days)))
        )
        return list(rows.all())

    async def gear_past_retirement(self) -> list[tuple[Gear, float]]:
        """Active gear at or past its retirement distance, with the distance it has done."""
        linked = (
            select(func.coalesce(func.sum(Activity.distance_m), 0.0))
            .select_from(ActivityGear)
            .join(Activity, Activity.id == ActivityGear.activity_id)
            .where(ActivityGear.gear_id == Gear.id, Activity.user_id == self.user_id)
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(Gear, Gear.start_distance_m + linked).where(
                Gear.user_id == self.user_id,
                Gear.is_retired.is_(False),
                Gear.retire_at_m.isnot(None),
                Gear.start_distance_m + linked >= Gear.retire_at_m,
            )
        )
        return [(gear, float(distance_m)) for gear, distance_m in rows.all()]

    async def missed_key_sessions(self, day: date, start: datetime) -> list[PlannedSession]:
        """The active plan's open key sessions on `day` with no run in the 24 hours from `start`."""
        ran = (
            select(Activity.id)
            .where(
                Activity.user_id == self.user_id,
                Activity.parent_id.is_(None),
                Activity.sport == "running",
                Activity.start_time >= start,
                Activity.start_time < start + timedelta(days=1),
            )
            .exists()
        )
        rows = await self.session.scalars(
            select(PlannedSession)
            .join(TrainingPlan, TrainingPlan.id == PlannedSession.plan_id)
            .where(
                and_(
                    PlannedSession.user_id == self.user_id,
                    PlannedSession.date == day,
                    PlannedSession.is_key.is_(True),
                    PlannedSession.status.in_(("planned", "missed")),
                    TrainingPlan.status == "active",
                    ~ran,
                )
            )
        )
        return list(rows.all())
