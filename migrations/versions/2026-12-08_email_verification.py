"""users.email_verified_at: when the account's holder proved the e-mail address (a signed link)

Accounts that exist already start unverified: nothing ever proved their addresses. They can ask for a link
from the web app's banner.

Revision ID: 0006_email_verification
Revises: 0005_import_warnings
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_email_verification"
down_revision: str | None = "0005_import_warnings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "email_verified_at")
