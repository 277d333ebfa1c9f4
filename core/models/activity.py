from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt


class Activity(CreatedAt, Base):
    """One activity (a multisport leg points at its parent). Summary numbers come from the source file."""

    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_user_start", "user_id", text("start_time DESC")),
        # the same workout arriving from two sources (a FIT upload and a Garmin sync) is one activity
        Index(
            "uq_activities_user_start",
            "user_id",
            "start_time",
            unique=True,
            postgresql_where=text("parent_id IS NULL"),
        ),
        Index(
            "uq_activities_user_file",
            "user_id",
            "file_sha256",
            unique=True,
            postgresql_where=text("file_sha256 IS NOT NULL AND parent_id IS NULL"),
        ),
        Index(
            "uq_activities_user_source_external",
            "user_id",
            "source",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    leg_index: Mapped[int | None] = mapped_column(SmallInteger)
    source: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    sport: Mapped[str] = mapped_column(String(32))
    sub_sport: Mapped[str | None] = mapped_column(String(32))
    start_time: Mapped[datetime]
    tz_offset_s: Mapped[int | None] = mapped_column(Integer)
    elapsed_s: Mapped[float | None] = mapped_column(Float)
    moving_s: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    ascent_m: Mapped[float | None] = mapped_column(Float)
    descent_m: Mapped[float | None] = mapped_column(Float)
    avg_hr: Mapped[float | None] = mapped_column(Float)
    max_hr: Mapped[float | None] = mapped_column(Float)
    avg_cadence: Mapped[float | None] = mapped_column(Float)
    max_cadence: Mapped[float | None] = mapped_column(Float)
    avg_power: Mapped[float | None] = mapped_column(Float)
    max_power: Mapped[float | None] = mapped_column(Float)
    avg_speed_mps: Mapped[float | None] = mapped_column(Float)
    max_speed_mps: Mapped[float | None] = mapped_column(Float)
    calories: Mapped[float | None] = mapped_column(Float)
    device_manufacturer: Mapped[str | None] = mapped_column(String(64))
    device_product: Mapped[str | None] = mapped_column(String(64))
    device_serial: Mapped[str | None] = mapped_column(String(32))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    sample_count: Mapped[int] = mapped_column(Integer, server_default="0")
    training_load: Mapped[float | None] = mapped_column(Float)
    load_method: Mapped[str | None] = mapped_column(String(16))
    rpe: Mapped[int | None] = mapped_column(SmallInteger)
    notes: Mapped[str | None] = mapped_column(Text)
    strava_activity_id: Mapped[int | None]
    #: what the import salvaged or estimated (dropped samples, a truncated file, computed distance…)
    import_warnings: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"))
