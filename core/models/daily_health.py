from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, SmallInteger, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Timestamps


class DailyHealth(Timestamps, Base):
    """One calendar day (the athlete's local date) of sleep, HRV, resting HR, body battery, stress, steps."""

    __tablename__ = "daily_health"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date]
    sleep_s: Mapped[int | None] = mapped_column(Integer)
    sleep_score: Mapped[int | None] = mapped_column(SmallInteger)
    deep_sleep_s: Mapped[int | None] = mapped_column(Integer)
    light_sleep_s: Mapped[int | None] = mapped_column(Integer)
    rem_sleep_s: Mapped[int | None] = mapped_column(Integer)
    awake_s: Mapped[int | None] = mapped_column(Integer)
    resting_hr: Mapped[int | None] = mapped_column(SmallInteger)
    hrv_ms: Mapped[float | None] = mapped_column(Float)
    hrv_status: Mapped[str | None] = mapped_column(String(24))
    body_battery_high: Mapped[int | None] = mapped_column(SmallInteger)
    body_battery_low: Mapped[int | None] = mapped_column(SmallInteger)
    stress_avg: Mapped[int | None] = mapped_column(SmallInteger)
    steps: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16), server_default="garmin")
    raw: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
