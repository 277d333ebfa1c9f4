from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Float, Index, SmallInteger, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Timestamps


class User(Timestamps, Base):
    """An athlete (or a coach). Every other row belongs to exactly one user."""

    __tablename__ = "users"
    __table_args__ = (Index("uq_users_email_lower", func.lower(text("email")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    #: when the holder of `email` proved it (tools/account/email_verification.py); None = not yet
    email_verified_at: Mapped[datetime | None]
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), server_default="athlete")
    timezone: Mapped[str] = mapped_column(String(64), server_default="UTC")
    units: Mapped[str] = mapped_column(String(16), server_default="metric")
    sex: Mapped[str | None] = mapped_column(String(8))
    birth_date: Mapped[date | None]
    weight_kg: Mapped[float | None] = mapped_column(Float)
    max_hr: Mapped[int | None] = mapped_column(SmallInteger)
    resting_hr: Mapped[int | None] = mapped_column(SmallInteger)
    lthr: Mapped[int | None] = mapped_column(SmallInteger)
    threshold_pace_s_per_km: Mapped[float | None] = mapped_column(Float)
    is_demo: Mapped[bool] = mapped_column(Boolean, server_default="false")
    preferences: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
