"""Per-activity figures computed once from the activity's samples (at import, by `reprocess`, or on the
first read of an activity imported before they existed) and stored, so reads never recompute them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class ActivityFigures(Base):
    """One activity's sample-derived figures (`tools.fitness.activity_figures` says what each is).
    `user_id` is the activity's owner: every read is scoped by it. `zone_seconds` hold for `zone_max_hr`
    only; `comment_facts` (the feed comment's facts) for their own `key`."""

    __tablename__ = "activity_figures"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sample_rows: Mapped[int]
    hr_samples: Mapped[int]
    hr_peak: Mapped[float | None] = mapped_column(Float)
    hr_best_20min: Mapped[float | None] = mapped_column(Float)
    threshold_pace_s_per_km: Mapped[float | None] = mapped_column(Float)
    steady_segments: Mapped[list[Any] | None]
    best_times: Mapped[dict[str, Any] | None]
    zone_max_hr: Mapped[float | None] = mapped_column(Float)
    zone_seconds: Mapped[list[float] | None] = mapped_column(ARRAY(Float))
    comment_facts: Mapped[dict[str, Any] | None]
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())
