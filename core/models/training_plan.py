from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Timestamps


class TrainingPlan(Timestamps, Base):
    __tablename__ = "training_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    race_id: Mapped[int | None] = mapped_column(ForeignKey("races.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    start_date: Mapped[date]
    end_date: Mapped[date]
    inputs: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    summary: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
