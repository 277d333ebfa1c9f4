from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class WorkoutStep(Base):
    """One step of a workout; repeats are a step of type `repeat` whose children point at it."""

    __tablename__ = "workout_steps"
    __table_args__ = (UniqueConstraint("workout_id", "ordinal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workout_id: Mapped[int] = mapped_column(ForeignKey("workouts.id", ondelete="CASCADE"))
    parent_step_id: Mapped[int | None] = mapped_column(ForeignKey("workout_steps.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    step_type: Mapped[str] = mapped_column(String(16))  # warmup, active, recovery, rest, cooldown, repeat
    repeat_count: Mapped[int | None] = mapped_column(Integer)
    end_type: Mapped[str | None] = mapped_column(String(16))  # time, distance, lap_button
    end_value: Mapped[float | None] = mapped_column(Float)
    target_type: Mapped[str | None] = mapped_column(String(16))  # pace, heart_rate, hr_zone, cadence, power
    target_low: Mapped[float | None] = mapped_column(Float)
    target_high: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)
