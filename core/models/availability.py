from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Timestamps


class AvailabilityDay(Timestamps, Base):
    """One weekday of the athlete's weekly availability: whether they can train that day and the longest
    session it allows (`max_minutes`; NULL = no limit). A weekday without a row is open without a limit."""

    __tablename__ = "availability_days"
    __table_args__ = (
        UniqueConstraint("user_id", "weekday"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("max_minutes IS NULL OR max_minutes BETWEEN 10 AND 600", name="max_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(SmallInteger)
    available: Mapped[bool] = mapped_column(server_default="true")
    max_minutes: Mapped[int | None] = mapped_column(SmallInteger)


class BlackoutDay(Timestamps, Base):
    """A date the athlete cannot train at all (a wedding, a work trip's travel day)."""

    __tablename__ = "blackout_days"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date]
    reason: Mapped[str | None] = mapped_column(String(200))
