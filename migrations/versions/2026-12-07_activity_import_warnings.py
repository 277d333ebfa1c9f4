"""activities.import_warnings: what an import salvaged or estimated, kept with the activity

A FIT file with a few impossible timestamps, a truncated recording, a GPX without distances: the activity is
imported, and what the athlete (and the coach) should know about its data is stored with it, shown by the
activity detail, the CLI's `--json` and the coach's activity tool.

Revision ID: 0005_import_warnings
Revises: 0004_coaching_feed
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_import_warnings"
down_revision: str | None = "0004_coaching_feed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "activities",
        sa.Column(
            "import_warnings",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("activities", "import_warnings")
