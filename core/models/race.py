from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Timestamps


class Race(Timestamps, Base):
    __tablename__ = "races"
    __table_args__ = (CheckConstraint("priority IN ('A', 'B', 'C')", name="priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    date: Mapped[date]
    distance_m: Mapped[float] = mapped_column(Float)
    priority: Mapped[str] = mapped_column(String(1), server_default="B")
    goal_time_s: Mapped[float | None] = mapped_column(Float)
    location: Mapped[str | None] = mapped_column(String(200))
    result_activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    notes: Mapped[str | None] = mapped_column(Text)
