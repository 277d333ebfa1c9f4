from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, CreatedAt

COMMENT_KINDS = ("computed", "written")


class ActivityComment(CreatedAt, Base):
    """A comment on an activity in the feed. `computed`: RunCoach's own short comment, derived from the
    activity's data once and kept so it stays the same (one per activity, no author). `written`: a person's
    comment — the athlete's coach or the athlete — with `author_id`. `user_id` is the activity's owner: every
    read is scoped by it."""

    __tablename__ = "activity_comments"
    __table_args__ = (
        Index("ix_activity_comments_activity_created", "activity_id", "created_at"),
        Index(
            "uq_activity_comments_computed",
            "activity_id",
            unique=True,
            postgresql_where=text("kind = 'computed'"),
        ),
        CheckConstraint("kind IN ('computed', 'written')", name="kind"),
        CheckConstraint("(kind = 'computed') = (author_id IS NULL)", name="author_iff_written"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
