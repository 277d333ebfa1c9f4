from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Timestamps


class PlannedSession(Timestamps, Base):
    __tablename__ = "planned_sessions"
    __table_args__ = (Index("ix_planned_sessions_user_date", "user_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("training_plans.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    date: Mapped[date]
    week_index: Mapped[int]
    phase: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    is_key: Mapped[bool] = mapped_column(Boolean, server_default="false")
    planned_distance_m: Mapped[float | None] = mapped_column(Float)
    planned_duration_s: Mapped[float | None] = mapped_column(Float)
    workout_id: Mapped[int | None] = mapped_column(ForeignKey("workouts.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), server_default="planned")
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    notes: Mapped[str | None] = mapped_column(Text)
    #: the execution score of the run that fulfilled it (`tools.plans.execution`): activity id, score, summary
    execution: Mapped[dict[str, Any] | None] = mapped_column()
