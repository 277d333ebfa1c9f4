"""strength sets and calendar notes

`strength_sets`: the sets of a logged strength session (the session is an `activities` row, source
`manual`). `calendar_notes`: illness, injury, travel and life stress over date ranges.

Revision ID: 0003_strength_notes
Revises: 0001
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_strength_notes"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "strength_sets",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("activity_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("exercise", sa.String(length=80), nullable=False),
        sa.Column("reps", sa.SmallInteger(), nullable=True),
        sa.Column("load_kg", sa.Float(), nullable=True),
        sa.Column("rpe", sa.Float(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.CheckConstraint("reps IS NULL OR reps > 0", name=op.f("ck_strength_sets_reps_positive")),
        sa.CheckConstraint(
            "load_kg IS NULL OR load_kg >= 0", name=op.f("ck_strength_sets_load_not_negative")
        ),
        sa.CheckConstraint("rpe IS NULL OR rpe BETWEEN 0 AND 10", name=op.f("ck_strength_sets_rpe_range")),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_strength_sets_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_strength_sets_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strength_sets")),
    )
    op.create_index(op.f("ix_strength_sets_activity_id"), "strength_sets", ["activity_id"], unique=False)

    op.create_table(
        "calendar_notes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("severity", sa.SmallInteger(), server_default="2", nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_calendar_notes_dates_ordered")),
        sa.CheckConstraint(
            "kind IN ('illness', 'injury', 'travel', 'life_stress', 'other')",
            name=op.f("ck_calendar_notes_kind"),
        ),
        sa.CheckConstraint("severity BETWEEN 1 AND 3", name=op.f("ck_calendar_notes_severity")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_calendar_notes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_notes")),
    )
    op.create_index(
        "ix_calendar_notes_user_dates", "calendar_notes", ["user_id", "start_date", "end_date"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_calendar_notes_user_dates", table_name="calendar_notes")
    op.drop_table("calendar_notes")
    op.drop_index(op.f("ix_strength_sets_activity_id"), table_name="strength_sets")
    op.drop_table("strength_sets")
