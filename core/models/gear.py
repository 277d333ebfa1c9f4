from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Timestamps


class Gear(Timestamps, Base):
    """Shoes (or other gear). Distance = start_distance_m + the linked activities' distance."""

    __tablename__ = "gear"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16), server_default="shoes")
    brand: Mapped[str | None] = mapped_column(String(80))
    model: Mapped[str | None] = mapped_column(String(80))
    default_for_sport: Mapped[str | None] = mapped_column(String(32))
    start_distance_m: Mapped[float] = mapped_column(Float, server_default="0")
    retire_at_m: Mapped[float | None] = mapped_column(Float)
    purchased_on: Mapped[date | None]
    retired_on: Mapped[date | None]
    is_retired: Mapped[bool] = mapped_column(Boolean, server_default="false")
    notes: Mapped[str | None] = mapped_column(Text)
