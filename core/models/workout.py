from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Timestamps


class Workout(Timestamps, Base):
    """A structured workout: `structure` holds the typed model; `workout_steps` flattens it for queries."""

    __tablename__ = "workouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))
    sport: Mapped[str] = mapped_column(String(32), server_default="running")
    description: Mapped[str | None] = mapped_column(Text)
    scheduled_date: Mapped[date | None]
    estimated_duration_s: Mapped[float | None] = mapped_column(Float)
    estimated_distance_m: Mapped[float | None] = mapped_column(Float)
    structure: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    garmin_workout_id: Mapped[str | None] = mapped_column(String(32))
    pushed_at: Mapped[datetime | None]
