"""Per-quarter-hour rollups of the per-second samples keyed by heart rate: one row per activity, quarter
hour (UTC, 15 minutes) and `heart_rate` value (NULL for the samples without one), holding the same
`n_` / `s_` / `lo_` / `hi_` of every series as `activity_sample_minutes`, over the samples with that heart
rate. A heart-rate band is a filter on the key, so `query_samples` answers banded questions from it exactly.
Written with the samples (at import and by `reprocess`); created by the migration, this mapping is for
reads.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, SmallInteger, Table

from core.models.activity_sample_minute import series_columns
from core.models.base import Base

activity_sample_hr_quarters = Table(
    "activity_sample_hr_quarters",
    Base.metadata,
    Column("user_id", BigInteger, nullable=False),
    Column("activity_id", BigInteger, nullable=False),
    Column("quarter", DateTime(timezone=True), nullable=False),
    Column("heart_rate", SmallInteger),
    Column("samples", BigInteger, nullable=False),
    Column("first_ts", DateTime(timezone=True), nullable=False),
    Column("last_ts", DateTime(timezone=True), nullable=False),
    *series_columns(),
    info={"created_by_migration": True},
)

__all__ = ["activity_sample_hr_quarters"]
