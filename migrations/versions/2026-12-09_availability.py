"""availability_days, blackout_days (when the athlete can train, for how long) and planned_sessions.execution

`availability_days`: per weekday, whether the athlete can train and the longest session that day allows.
`blackout_days`: dates with no training at all. Plans are laid out around both (`tools.plans.availability`).
`planned_sessions.execution`: the execution score of the run that fulfilled a session, stored the first
time it is computed (`tools.plans.execution`).

Revision ID: 0006_availability
Revises: 0005_import_warnings
Create Date: 2026-12-06 17:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_availability"
down_revision: str | None = "0006_email_verification"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "availability_days",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("available", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("max_minutes", sa.SmallInteger(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_availability_days_weekday")),
        sa.CheckConstraint(
            "max_minutes IS NULL OR max_minutes BETWEEN 10 AND 600",
            name=op.f("ck_availability_days_max_minutes"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_availability_days_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_days")),
        sa.UniqueConstraint("user_id", "weekday", name=op.f("uq_availability_days_user_id_weekday")),
    )
    op.create_table(
        "blackout_days",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_blackout_days_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blackout_days")),
        sa.UniqueConstraint("user_id", "day", name=op.f("uq_blackout_days_user_id_day")),
    )

    op.add_column(
        "planned_sessions", sa.Column("execution", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("planned_sessions", "execution")
    op.drop_table("blackout_days")
    op.drop_table("availability_days")
