"""activity_sample_pace_quarters: per-quarter-hour histograms of pace, in 1 s/km bins

A percentile of pace cannot come exactly from a rollup: speed is stored per sample to a fraction of a
mm/s, and a quarter hour of running holds only ~4× fewer distinct speeds than samples. This table keys the
moving samples (speed ≥ MOVING_SPEED_MPS) by (activity, quarter hour, pace bin), the bin being the pace
rounded to a whole s/km (`round(1000 / speed)`), with how many samples fall in it: ~10–20× fewer rows than
samples. Ordering samples by bin is ordering them by speed (the bin is monotone in speed), so a percentile
from the histogram interpolates between the bins of the very samples the raw percentile interpolates
between, each within ±0.5 s/km of its own pace (`tools.samples.repository` states the bound of the answer).

Written with the samples by `write_activity_sample_rollups` (now all three rollups of an activity, in the
importer's and `reprocess`'s transaction); existing samples are rolled up here;
`rebuild_activity_sample_pace_quarters(user)` rolls up one user's samples again. A hypertable compressed by
policy on TimescaleDB, like the other rollups. The downgrade restores the two-rollup write function of
0009_hr_quarters.

Revision ID: 0010_pace_quarters
Revises: 0009_hr_quarters
Create Date: 2026-12-07 02:10:00
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0010_pace_quarters"
down_revision: str | None = "0009_hr_quarters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "activity_sample_pace_quarters"
MOVING_SPEED_MPS = 0.5  # tools/samples/spec.py: below it a sample has no pace
COMPRESS_AFTER = "30 days"
ORIGIN = "TIMESTAMPTZ '2001-01-01 00:00:00+00'"  # the other rollups' origin
#: the bin of a moving sample: its pace rounded to a whole s/km
PACE_BIN = "round(1000.0 / speed_mps::double precision)::integer"
PACE_TARGET = f"{TABLE} (user_id, activity_id, quarter, pace_s, samples)"
PACE_ROWS = f"""
        SELECT user_id, activity_id, date_bin('15 minutes', ts, {ORIGIN}) AS quarter, {PACE_BIN} AS pace_s,
               count(*) AS samples
        FROM activity_samples
        WHERE {{where}} AND speed_mps >= {MOVING_SPEED_MPS}
        GROUP BY 1, 2, 3, 4"""


def _hr_quarters() -> object:
    """The 0009 migration's module (its write function is extended here and restored on downgrade)."""
    path = Path(__file__).with_name("2026-12-11_sample_hr_quarters.py")
    spec = importlib.util.spec_from_file_location("_migration_0009_hr_quarters", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_function(previous: str) -> str:
    """0009's `write_activity_sample_rollups` with the pace histogram written in the same statement."""
    pace = PACE_ROWS.format(
        where="user_id = p_user AND activity_id = p_activity AND ts >= p_from AND ts <= p_to"
    )
    marker = "    SELECT count(*) FROM by_minute"
    assert marker in previous
    extra = f"""    , by_pace AS (
        INSERT INTO {PACE_TARGET}{pace}
        RETURNING 1
    )
"""
    return previous.replace(marker, extra + marker)


REBUILD = f"""
CREATE OR REPLACE FUNCTION rebuild_activity_sample_pace_quarters(p_user bigint) RETURNS bigint
LANGUAGE sql AS $fn$
    DELETE FROM {TABLE} WHERE user_id = p_user;
    WITH written AS (
        INSERT INTO {PACE_TARGET}{PACE_ROWS.format(where="user_id = p_user")}
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
    op.execute(
        f"CREATE TABLE {TABLE} (user_id bigint NOT NULL, activity_id bigint NOT NULL, "
        "quarter timestamptz NOT NULL, pace_s integer NOT NULL, samples bigint NOT NULL)"
    )
    timescale = _timescale()
    if timescale:
        op.execute(f"SELECT create_hypertable('{TABLE}', by_range('quarter', interval '28 days'))")
    op.execute(f"CREATE INDEX ix_{TABLE}_user_quarter ON {TABLE} (user_id, quarter)")
    op.execute(f"CREATE INDEX ix_{TABLE}_activity ON {TABLE} (activity_id, quarter)")
    previous = _hr_quarters()
    write, _ = previous._functions(previous._series())  # type: ignore[attr-defined]
    op.execute(_write_function(write))
    op.execute(REBUILD)
    op.execute("SELECT rebuild_activity_sample_pace_quarters(id) FROM users")
    if timescale:
        op.execute(
            f"ALTER TABLE {TABLE} SET (timescaledb.compress, timescaledb.compress_segmentby = "
            "'user_id, activity_id', timescaledb.compress_orderby = 'quarter, pace_s')"
        )
        op.execute(f"SELECT add_compression_policy('{TABLE}', INTERVAL '{COMPRESS_AFTER}')")


def downgrade() -> None:
    if _timescale():
        op.execute(f"SELECT remove_compression_policy('{TABLE}', if_exists => true)")
    previous = _hr_quarters()
    write, _ = previous._functions(previous._series())  # type: ignore[attr-defined]
    op.execute(write)
    op.execute("DROP FUNCTION IF EXISTS rebuild_activity_sample_pace_quarters(bigint)")
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
