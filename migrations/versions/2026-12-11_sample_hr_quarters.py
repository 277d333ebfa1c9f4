"""activity_sample_hr_quarters: per-quarter-hour rollups of the samples, one row per heart-rate value

`activity_sample_minutes` cannot answer a question with a heart-rate band ("avg cadence between 150 and
175 bpm", "time above 170 bpm"): a minute mixes samples inside and outside the band. This table keys its
rows by (activity, quarter hour, heart_rate) and carries, for the samples with that heart rate, the same
count / sum / min / max of every series as the minute rollups. A band is then a filter on the key, and the
figures are exactly what the raw rows give (heart rate is an integer, so a band never splits a row). A
quarter hour of running holds ~20–40 heart-rate values: ~30× fewer rows than samples.

Written with the samples by `write_activity_sample_rollups`, which now writes both rollups of an activity
(in the importer's and `reprocess`'s transaction) from one pass over its samples grouped by minute and
heart rate; existing samples are rolled up here;
`rebuild_activity_sample_hr_quarters(user)` rolls up one user's samples again. A hypertable compressed by
policy on TimescaleDB, like the minute rollups. The series columns are those of `activity_sample_minutes`
at this revision, read from the catalogue, so the two tables cannot drift apart.

Revision ID: 0009_hr_quarters
Revises: 0008_figures_minutes
Create Date: 2026-12-06 23:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_hr_quarters"
down_revision: str | None = "0008_figures_minutes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "activity_sample_hr_quarters"
MOVING_SPEED_MPS = 0.5  # tools/samples/spec.py: below it a sample has no pace
COMPRESS_AFTER = "30 days"
ORIGIN = "TIMESTAMPTZ '2001-01-01 00:00:00+00'"  # the minute rollups' origin


def _series() -> list[str]:
    """The rolled-up series of `activity_sample_minutes` (`n_<series>` columns), in column order."""
    found = op.get_bind().execute(
        sa.text(
            "SELECT substr(column_name, 3) FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'activity_sample_minutes' "
            "AND column_name LIKE 'n\\_%' ORDER BY ordinal_position"
        )
    )
    return [str(name) for (name,) in found]


def _value(series: str) -> str:
    if series == "moving":
        return f"CASE WHEN speed_mps >= {MOVING_SPEED_MPS} THEN speed_mps::double precision END"
    return f"{series}::double precision"


def _functions(series: list[str]) -> tuple[str, str]:
    """The SQL of `write_activity_sample_rollups` (both rollups of an activity's samples just written) and
    `rebuild_activity_sample_hr_quarters` (one user's heart-rate rollups again)."""
    values = [f"n_{name}, s_{name}, lo_{name}, hi_{name}" for name in series]
    minutes = ", ".join(["user_id", "activity_id", "minute", "samples", "first_ts", "last_ts", *values])
    quarters = ", ".join(
        ["user_id", "activity_id", "quarter", "heart_rate", "samples", "first_ts", "last_ts", *values]
    )
    raw = ", ".join([f"count({v}), sum({v}), min({v}), max({v})" for v in map(_value, series)])
    fine = ", ".join(
        f"count({v}) AS n_{n}, sum({v}) AS s_{n}, min({v}) AS lo_{n}, max({v}) AS hi_{n}"
        for n, v in zip(series, map(_value, series), strict=True)
    )
    combined = ", ".join(
        ["sum(samples)", "min(first_ts)", "max(last_ts)"]
        + [f"sum(n_{n}), sum(s_{n}), min(lo_{n}), max(hi_{n})" for n in series]
    )
    # one pass over the samples per (minute, heart rate), then both rollups from those few rows: about
    # the cost of the minute rollups alone
    write = f"""
CREATE OR REPLACE FUNCTION write_activity_sample_rollups(
    p_user bigint, p_activity bigint, p_from timestamptz, p_to timestamptz
) RETURNS bigint LANGUAGE sql AS $fn$
    WITH fine AS MATERIALIZED (
        SELECT user_id, activity_id, date_bin('1 minute', ts, {ORIGIN}) AS minute, heart_rate,
               count(*) AS samples, min(ts) AS first_ts, max(ts) AS last_ts, {fine}
        FROM activity_samples
        WHERE user_id = p_user AND activity_id = p_activity AND ts >= p_from AND ts <= p_to
        GROUP BY 1, 2, 3, 4
    ), by_minute AS (
        INSERT INTO activity_sample_minutes ({minutes})
        SELECT user_id, activity_id, minute, {combined} FROM fine GROUP BY 1, 2, 3
        RETURNING 1
    ), by_quarter AS (
        INSERT INTO {TABLE} ({quarters})
        SELECT user_id, activity_id, date_bin('15 minutes', minute, {ORIGIN}), heart_rate, {combined}
        FROM fine GROUP BY 1, 2, 3, 4
        RETURNING 1
    )
    SELECT count(*) FROM by_minute  -- by_quarter runs too: a data-modifying WITH always runs to completion
$fn$;
"""
    rebuild = f"""
CREATE OR REPLACE FUNCTION rebuild_activity_sample_hr_quarters(p_user bigint) RETURNS bigint
LANGUAGE sql AS $fn$
    DELETE FROM {TABLE} WHERE user_id = p_user;
    WITH written AS (
        INSERT INTO {TABLE} ({quarters})
        SELECT user_id, activity_id, date_bin('15 minutes', ts, {ORIGIN}), heart_rate, count(*), min(ts),
               max(ts), {raw}
        FROM activity_samples WHERE user_id = p_user GROUP BY 1, 2, 3, 4
        RETURNING 1
    )
    SELECT count(*) FROM written
$fn$;
"""
    return write, rebuild


def _timescale() -> bool:
    bind = op.get_bind()
    return (
        bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")).first() is not None
    )


def upgrade() -> None:
    series = _series()
    columns = ",\n    ".join(
        [
            "user_id bigint NOT NULL",
            "activity_id bigint NOT NULL",
            "quarter timestamptz NOT NULL",
            "heart_rate smallint",
            "samples bigint NOT NULL",
            "first_ts timestamptz NOT NULL",
            "last_ts timestamptz NOT NULL",
        ]
        + [
            f"n_{name} bigint NOT NULL, s_{name} double precision, lo_{name} double precision, "
            f"hi_{name} double precision"
            for name in series
        ]
    )
    op.execute(f"CREATE TABLE {TABLE} (\n    {columns}\n)")
    timescale = _timescale()
    if timescale:
        op.execute(f"SELECT create_hypertable('{TABLE}', by_range('quarter', interval '28 days'))")
    op.execute(f"CREATE INDEX ix_{TABLE}_user_quarter ON {TABLE} (user_id, quarter)")
    op.execute(f"CREATE INDEX ix_{TABLE}_activity ON {TABLE} (activity_id, quarter)")
    write, rebuild = _functions(series)
    op.execute(write)
    op.execute(rebuild)
    op.execute("SELECT rebuild_activity_sample_hr_quarters(id) FROM users")
    if timescale:
        op.execute(
            f"ALTER TABLE {TABLE} SET (timescaledb.compress, timescaledb.compress_segmentby = "
            "'user_id, activity_id', timescaledb.compress_orderby = 'quarter, heart_rate')"
        )
        op.execute(f"SELECT add_compression_policy('{TABLE}', INTERVAL '{COMPRESS_AFTER}')")


def downgrade() -> None:
    if _timescale():
        op.execute(f"SELECT remove_compression_policy('{TABLE}', if_exists => true)")
    op.execute(
        "DROP FUNCTION IF EXISTS write_activity_sample_rollups(bigint, bigint, timestamptz, timestamptz)"
    )
    op.execute("DROP FUNCTION IF EXISTS rebuild_activity_sample_hr_quarters(bigint)")
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
