"""coaching links and activity comments (the activity feed)

`coaching_links`: an athlete's grant to a coach (invited by e-mail, accepted by the coach's account,
revocable by the athlete at any time). `activity_comments`: RunCoach's computed comment on an activity (one,
kept so it is stable) and the comments people write on it (the athlete's coach, the athlete).

Revision ID: 0004_coaching_feed
Revises: 0003_strength_notes
Create Date: 2026-11-25 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_coaching_feed"
down_revision: str | None = "0003_strength_notes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coaching_links",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("athlete_id", sa.BigInteger(), nullable=False),
        sa.Column("coach_email", sa.String(length=320), nullable=False),
        sa.Column("coach_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("can_view_details", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("can_comment", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'revoked', 'declined')", name=op.f("ck_coaching_links_status")
        ),
        sa.CheckConstraint(
            "coach_id IS NULL OR coach_id <> athlete_id", name=op.f("ck_coaching_links_not_self")
        ),
        sa.CheckConstraint("coach_email = lower(coach_email)", name=op.f("ck_coaching_links_email_lower")),
        sa.ForeignKeyConstraint(
            ["athlete_id"], ["users.id"], name=op.f("fk_coaching_links_athlete_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["coach_id"], ["users.id"], name=op.f("fk_coaching_links_coach_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coaching_links")),
    )
    op.create_index(
        "uq_coaching_links_open",
        "coaching_links",
        ["athlete_id", "coach_email"],
        unique=True,
        postgresql_where=sa.text("status IN ('pending', 'active')"),
    )
    op.create_index("ix_coaching_links_coach_email", "coaching_links", ["coach_email"], unique=False)
    op.create_index("ix_coaching_links_coach_id", "coaching_links", ["coach_id"], unique=False)

    op.create_table(
        "activity_comments",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("activity_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "data",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('computed', 'written')", name=op.f("ck_activity_comments_kind")),
        sa.CheckConstraint(
            "(kind = 'computed') = (author_id IS NULL)", name=op.f("ck_activity_comments_author_iff_written")
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_activity_comments_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_activity_comments_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_activity_comments_author_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_comments")),
    )
    op.create_index(
        "ix_activity_comments_activity_created",
        "activity_comments",
        ["activity_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "uq_activity_comments_computed",
        "activity_comments",
        ["activity_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'computed'"),
    )


def downgrade() -> None:
    op.drop_index("uq_activity_comments_computed", table_name="activity_comments")
    op.drop_index("ix_activity_comments_activity_created", table_name="activity_comments")
    op.drop_table("activity_comments")
    op.drop_index("ix_coaching_links_coach_id", table_name="coaching_links")
    op.drop_index("ix_coaching_links_coach_email", table_name="coaching_links")
    op.drop_index("uq_coaching_links_open", table_name="coaching_links")
    op.drop_table("coaching_links")
