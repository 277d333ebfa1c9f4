"""Per-second samples. A TimescaleDB hypertable in production, a monthly range-partitioned table otherwise.

The table is created by the migration (not by `create_all`): this mapping is for reads. Writes go through
COPY in `tools/activities/store.py`, in exactly the column order of `SAMPLE_COLUMNS`.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, SmallInteger, Table

from core.models.base import Base

#: value columns after (activity_id, user_id, ts), in COPY order
SAMPLE_VALUE_COLUMNS: tuple[str, ...] = (
    "heart_rate",
    "speed_mps",
    "cadence",
    "power_w",
    "altitude_m",
    "lat",
    "lon",
    "distance_m",
    "temperature_c",
    "vertical_oscillation_mm",
    "stance_time_ms",
    "step_length_mm",
    "vertical_ratio_pct",
    "stance_time_balance_pct",
)
SAMPLE_COLUMNS: tuple[str, ...] = ("activity_id", "user_id", "ts", *SAMPLE_VALUE_COLUMNS)

activity_samples = Table(
    "activity_samples",
    Base.metadata,
    Column("activity_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("ts", DateTime(timezone=True), nullable=False),
    Column("heart_rate", SmallInteger),
    Column("speed_mps", Float(precision=24)),
    Column("cadence", Float(precision=24)),
    Column("power_w", SmallInteger),
    Column("altitude_m", Float(precision=24)),
    Column("lat", Float(precision=53)),
    Column("lon", Float(precision=53)),
    Column("distance_m", Float(precision=53)),
    Column("temperature_c", SmallInteger),
    Column("vertical_oscillation_mm", Float(precision=24)),
    Column("stance_time_ms", Float(precision=24)),
    Column("step_length_mm", Float(precision=24)),
    Column("vertical_ratio_pct", Float(precision=24)),
    Column("stance_time_balance_pct", Float(precision=24)),
    info={"created_by_migration": True},
)

__all__ = ["SAMPLE_COLUMNS", "SAMPLE_VALUE_COLUMNS", "activity_samples"]
