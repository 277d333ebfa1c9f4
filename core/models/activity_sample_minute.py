"""Per-minute rollups of the per-second samples: one row per activity and minute, written with the samples
(at import and by `reprocess`, in the same transaction) and read by `query_samples` for buckets of a day
or more. A hypertable on TimescaleDB (compressed by policy), a plain table otherwise.

For each value column `c` of `ROLLUP_COLUMNS`: `n_c` (values present), `s_c` (their sum, as double
precision), `lo_c` / `hi_c` (min / max); for pace, the same four over the moving speeds
(`speed_mps ≥ MOVING_SPEED_MPS`) as `*_moving`. Created by the migration; this mapping is for reads.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, Table

from core.models.base import Base

#: the sample columns `query_samples` can aggregate (lat/lon are positions, not quantities)
ROLLUP_COLUMNS: tuple[str, ...] = (
    "heart_rate",
    "speed_mps",
    "cadence",
    "power_w",
    "altitude_m",
    "distance_m",
    "temperature_c",
    "vertical_oscillation_mm",
    "stance_time_ms",
    "step_length_mm",
    "vertical_ratio_pct",
    "stance_time_balance_pct",
)
ROLLUP_SERIES: tuple[str, ...] = (*ROLLUP_COLUMNS, "moving")


def series_columns() -> list[Column[object]]:
    """`n_`, `s_`, `lo_`, `hi_` of every series (new Column objects: one set per table)."""
    out: list[Column[object]] = []
    for name in ROLLUP_SERIES:
        out += [
            Column(f"n_{name}", BigInteger, nullable=False),
            Column(f"s_{name}", Float(precision=53)),
            Column(f"lo_{name}", Float(precision=53)),
            Column(f"hi_{name}", Float(precision=53)),
        ]
    return out


activity_sample_minutes = Table(
    "activity_sample_minutes",
    Base.metadata,
    Column("user_id", BigInteger, nullable=False),
    Column("activity_id", BigInteger, nullable=False),
    Column("minute", DateTime(timezone=True), nullable=False),
    Column("samples", BigInteger, nullable=False),
    Column("first_ts", DateTime(timezone=True), nullable=False),
    Column("last_ts", DateTime(timezone=True), nullable=False),
    *series_columns(),
    info={"created_by_migration": True},
)

__all__ = ["ROLLUP_COLUMNS", "ROLLUP_SERIES", "activity_sample_minutes", "series_columns"]
