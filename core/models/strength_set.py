from __future__ import annotations

from sqlalchemy import CheckConstraint, Float, ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class StrengthSet(Base):
    """One set of one exercise in a logged strength session. The session itself is an `activities` row
    (source `manual`, sport `strength_training`) carrying duration, session RPE and training load, so it
    counts wherever activities count; its sets are here, in order."""

    __tablename__ = "strength_sets"
    __table_args__ = (
        CheckConstraint("reps IS NULL OR reps > 0", name="reps_positive"),
        CheckConstraint("load_kg IS NULL OR load_kg >= 0", name="load_not_negative"),
        CheckConstraint("rpe IS NULL OR rpe BETWEEN 0 AND 10", name="rpe_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    exercise: Mapped[str] = mapped_column(String(80))
    reps: Mapped[int | None] = mapped_column(SmallInteger)
    load_kg: Mapped[float | None] = mapped_column(Float)
    rpe: Mapped[float | None] = mapped_column(Float)
    duration_s: Mapped[float | None] = mapped_column(Float)
