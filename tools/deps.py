"""What every tool gets. Identity comes from here, never from an argument a model fills in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import User
from core.settings import Settings, get_settings


def user_zone(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass
class ToolDeps:
    """Session, user, the user's today and time zone, settings, and clients (Redis, integrations)."""

    session: AsyncSession
    user: User
    today: date
    tz: ZoneInfo
    settings: Settings = field(default_factory=get_settings)
    redis: Redis | None = None
    clients: dict[str, Any] = field(default_factory=dict)
    #: the call feeds a model's context (a coach turn): tools leave out what may not go there, such as
    #: Strava API data (`tools.activities.visibility`). False for the API, the CLI and charts.
    for_model: bool = False
    #: the moment the call stands for (`today` is its date where the athlete lives): a test's fixed clock, or
    #: the wall clock. Set by `for_user`; left out, the wall clock when the deps were made.
    now: datetime | None = None

    @property
    def moment(self) -> datetime:
        """`now`, in the athlete's zone."""
        return (self.now or datetime.now(self.tz)).astimezone(self.tz)

    @property
    def user_id(self) -> int:
        return self.user.id

    @classmethod
    def for_user(
        cls,
        session: AsyncSession,
        user: User,
        *,
        now: datetime | None = None,
        redis: Redis | None = None,
        settings: Settings | None = None,
        for_model: bool = False,
    ) -> ToolDeps:
        tz = user_zone(user)
        moment = (now or datetime.now(tz)).astimezone(tz)
        return cls(
            session=session,
            user=user,
            today=moment.date(),
            tz=tz,
            now=moment,
            redis=redis,
            settings=settings or get_settings(),
            for_model=for_model,
        )
