from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Timestamps

LINK_STATUSES = ("pending", "active", "revoked", "declined")


class CoachingLink(Timestamps, Base):
    """An athlete's grant to a coach: invited by e-mail (`pending`), accepted by the account with that
    address (`active`, `coach_id` set), ended by either side (`revoked` by the athlete, `declined` by the
    coach). Only an `active` link lets the coach read the athlete's feed, and only what it grants."""

    __tablename__ = "coaching_links"
    __table_args__ = (
        # one open (pending or active) link per athlete and coach address
        Index(
            "uq_coaching_links_open",
            "athlete_id",
            "coach_email",
            unique=True,
            postgresql_where=text("status IN ('pending', 'active')"),
        ),
        Index("ix_coaching_links_coach_email", "coach_email"),
        Index("ix_coaching_links_coach_id", "coach_id"),
        CheckConstraint("status IN ('pending', 'active', 'revoked', 'declined')", name="status"),
        CheckConstraint("coach_id IS NULL OR coach_id <> athlete_id", name="not_self"),
        CheckConstraint("coach_email = lower(coach_email)", name="email_lower"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    coach_email: Mapped[str] = mapped_column(String(320))
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    can_view_details: Mapped[bool] = mapped_column(Boolean, server_default="true")
    can_comment: Mapped[bool] = mapped_column(Boolean, server_default="true")
    accepted_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
