"""Per-quarter-hour histograms of pace: one row per activity, quarter hour (UTC, 15 minutes) and pace bin
(`pace_s`, the pace of a moving sample rounded to a whole s/km: `round(1000 / speed_mps)`), with how many of
its moving samples (speed ≥ MOVING_SPEED_MPS) fall in that bin. `query_samples` answers percentiles of pace
from it within PACE_BOUND_S_PER_KM (`tools.samples.repository`). Written with the samples (at import and
by `reprocess`); created by the migration, this mapping is for reads.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Integer, Table

from core.models.base import Base

activity_sample_pace_quarters = Table(
    "activity_sample_pace_quarters",
    Base.metadata,
    Column("user_id", BigInteger, nullable=False),
    Column("activity_id", BigInteger, nullable=False),
    Column("quarter", DateTime(timezone=True), nullable=False),
    Column("pace_s", Integer, nullable=False),
    Column("samples", BigInteger, nullable=False),
    info={"created_by_migration": True},
)

__all__ = ["activity_sample_pace_quarters"]
