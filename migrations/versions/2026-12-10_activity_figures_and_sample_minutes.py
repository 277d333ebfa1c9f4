"""activity_figures and activity_sample_minutes: what is computed from samples once, at import

`activity_figures`: per-activity figures from its samples (the inputs of the max HR / LTHR / threshold pace
estimates, the steady segments of the VO2max estimate, best times over the standard distances, time in
heart-rate zones, the feed comment's facts),
so the anchors, the activity views and the feed read a row instead of a year of samples.

`activity_sample_minutes`: per-minute rollups of `activity_samples` (count, sum, min, max of every value
column, and of the moving speed for pace), written with the samples by `write_activity_sample_minutes`
(in the importer's transaction) and read by `query_samples` for buckets of a day or more. Existing samples
are rolled up here; `rebuild_activity_sample_minutes(user)` rolls up one user's samples again. On
TimescaleDB (when the initial migration made `activity_samples` a hypertable) the rollups are a hypertable
too, and both are compressed by policy (segmented by user and activity, ordered by time). The rollups are
a table written in the import's transaction, not a continuous aggregate: a history import lands below a
continuous aggregate's watermark and would stay invisible until a refresh, which cannot run inside the
import's transaction.

Revision ID: 0008_figures_minutes
Revises: 0007_availability
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_figures_minutes"
down_revision: str | None = "0007_availability"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLLUP_COLUMNS = (
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
MOVING_SPEED_MPS = 0.5  # tools/samples/spec.py: below it a sample has no pace
COMPRESS_AFTER = "30 days"


def _series() -> list[tuple[str, str]]:
    """(name, SQL value) of each rolled-up series: every value column, then the moving speed."""
    out = [(c, f"{c}::double precision") for c in ROLLUP_COLUMNS]
    out.append(("moving", f"CASE WHEN speed_mps >= {MOVING_SPEED_MPS} THEN speed_mps::double precision END"))
    return out


TARGET = ", ".join(
    ["user_id", "activity_id", "minute", "samples", "first_ts", "last_ts"]
    + [f"{p}_{name}" for name, _ in _series() for p in ("n", "s", "lo", "hi")]
)
AGGREGATES = ", ".join(
    [
        "user_id",
        "activity_id",
        "date_bin('1 minute', ts, TIMESTAMPTZ '2001-01-01 00:00:00+00')",
        "count(*)",
        "min(ts)",
        "max(ts)",
    ]
    + [f"count({v}), sum({v}), min({v}), max({v})" for _, v in _series()]
)

COLUMNS_SQL = ",\n    ".join(
    [
        "user_id bigint NOT NULL",
        "activity_id bigint NOT NULL",
        "minute timestamptz NOT NULL",
        "samples bigint NOT NULL",
        "first_ts timestamptz NOT NULL",
        "last_ts timestamptz NOT NULL",
    ]
    + [
        f"n_{name} bigint NOT NULL, s_{name} double precision, lo_{name} double precision, "
        f"hi_{name} double precision"
        for name, _ in _series()
    ]
)

WRITE_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION write_activity_sample_minutes(
    p_user bigint, p_activity bigint, p_from timestamptz, p_to timestamptz
) RETURNS bigint LANGUAGE sql AS $fn$
    WITH written AS (
        INSERT INTO activity_sample_minutes ({TARGET})
        SELECT {AGGREGATES}
        FROM activity_samples
        WHERE user_id = p_user AND activity_id = p_activity AND ts >= p_from AND ts <= p_to
        GROUP BY 1, 2, 3
        RETURNING 1
    )
    SELECT count(*) FROM written
$fn$;
"""


REBUILD_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION rebuild_activity_sample_minutes(p_user bigint) RETURNS bigint LANGUAGE sql AS $fn$
    DELETE FROM activity_sample_minutes WHERE user_id = p_user;
    WITH written AS (
        INSERT INTO activity_sample_minutes ({TARGET})
        SELECT {AGGREGATES} FROM activity_samples WHERE user_id = p_user GROUP BY 1, 2, 3
        RETURNING 1
    )
    SELECT count(*) FROM written
$fn$;
"""


def _timescale() -> bool:
    bind = op.get_bind()
    return (
        bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")).first() is not None
    )


def upgrade() -> None:
    op.create_table(
        "activity_figures",
        sa.Column("activity_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("sample_rows", sa.BigInteger(), nullable=False),
        sa.Column("hr_samples", sa.BigInteger(), nullable=False),
        sa.Column("hr_peak", sa.Float(), nullable=True),
        sa.Column("hr_best_20min", sa.Float(), nullable=True),
        sa.Column("threshold_pace_s_per_km", sa.Float(), nullable=True),
        sa.Column("steady_segments", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("best_times", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("zone_max_hr", sa.Float(), nullable=True),
        sa.Column("zone_seconds", postgresql.ARRAY(sa.Float()), nullable=True),
        sa.Column("comment_facts", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_activity_figures_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_activity_figures_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_activity_figures")),
    )
    op.create_index(op.f("ix_activity_figures_user_id"), "activity_figures", ["user_id"], unique=False)

    op.execute(f"CREATE TABLE activity_sample_minutes (\n    {COLUMNS_SQL}\n)")
    timescale = _timescale()
    if timescale:
        op.execute(
            "SELECT create_hypertable('activity_sample_minutes', by_range('minute', interval '28 days'))"
        )
    op.execute(
        "CREATE INDEX ix_activity_sample_minutes_user_minute ON activity_sample_minutes (user_id, minute)"
    )
    op.execute(
        "CREATE INDEX ix_activity_sample_minutes_activity ON activity_sample_minutes (activity_id, minute)"
    )
    op.execute(WRITE_FUNCTION_SQL)
    op.execute(REBUILD_FUNCTION_SQL)
    op.execute(
        f"INSERT INTO activity_sample_minutes ({TARGET}) "
        f"SELECT {AGGREGATES} FROM activity_samples GROUP BY 1, 2, 3"
    )
    if timescale:
        for table, order in (("activity_samples", "ts"), ("activity_sample_minutes", "minute")):
            op.execute(
                f"ALTER TABLE {table} SET (timescaledb.compress, timescaledb.compress_segmentby = "
                f"'user_id, activity_id', timescaledb.compress_orderby = '{order}')"
            )
            op.execute(f"SELECT add_compression_policy('{table}', INTERVAL '{COMPRESS_AFTER}')")


def downgrade() -> None:
    if _timescale():
        for table in ("activity_samples", "activity_sample_minutes"):
            op.execute(f"SELECT remove_compression_policy('{table}', if_exists => true)")
        op.execute("SELECT decompress_chunk(c, true) FROM show_chunks('activity_samples') c")
        op.execute("ALTER TABLE activity_samples SET (timescaledb.compress = false)")
    op.execute(
        "DROP FUNCTION IF EXISTS write_activity_sample_minutes(bigint, bigint, timestamptz, timestamptz)"
    )
    op.execute("DROP TABLE IF EXISTS activity_sample_minutes")
    op.drop_index(op.f("ix_activity_figures_user_id"), table_name="activity_figures")
    op.drop_table("activity_figures")
