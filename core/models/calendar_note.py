from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Timestamps

NOTE_KINDS = ("illness", "injury", "travel", "life_stress", "other")


class CalendarNote(Timestamps, Base):
    """Something in the athlete's life over a date range (inclusive) that training should bend around:
    illness, a niggle or injury, travel, life stress. Read by the coach's context and by `adapt_plan`."""

    __tablename__ = "calendar_notes"
    __table_args__ = (
        Index("ix_calendar_notes_user_dates", "user_id", "start_date", "end_date"),
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
        CheckConstraint("kind IN ('illness', 'injury', 'travel', 'life_stress', 'other')", name="kind"),
        CheckConstraint("severity BETWEEN 1 AND 3", name="severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date]
    end_date: Mapped[date]
    severity: Mapped[int] = mapped_column(SmallInteger, server_default="2")
    text: Mapped[str | None] = mapped_column(Text)
