"""Statements the anchors need (`tools.zones.anchors`): the candidate activities each estimate reads the
stored figures of, for one user. Resting heart rates are read through `tools.health.repository`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity
from tools.samples.series import Span

#: how many activities each estimate combines
CANDIDATES = 20


class AnchorCandidates:
    """The user's top-level activities since `since` (leaving out `hide_sources`) that each estimate
    combines: the CANDIDATES most telling for it, newest first among equals."""

    def __init__(
        self, session: AsyncSession, user_id: int, *, since: datetime, hide_sources: tuple[str, ...] = ()
    ) -> None:
        self.session = session
        self.user_id = user_id
        self.since = since
        self.hide_sources = hide_sources

    def _recent(self) -> Select[int, datetime, float | None]:
        return select(Activity.id, Activity.start_time, Activity.elapsed_s).where(
            Activity.user_id == self.user_id,
            Activity.parent_id.is_(None),
            Activity.start_time >= self.since,
            Activity.source.not_in(self.hide_sources),
        )

    async def _spans(self, statement: Select[int, datetime, float | None]) -> list[Span]:
        rows = (await self.session.execute(statement.limit(CANDIDATES))).all()
        return [Span(row[0], row[1], row[2]) for row in rows]

    async def max_hr(self) -> list[Span]:
        """The activities with the highest recorded max (else average) heart rate."""
        highest = func.coalesce(Activity.max_hr, Activity.avg_hr)
        return await self._spans(
            self._recent().order_by(highest.desc().nulls_last(), Activity.start_time.desc())
        )

    async def lthr(self, min_elapsed_s: float) -> list[Span]:
        """The activities of at least `min_elapsed_s` with the highest average heart rate."""
        return await self._spans(
            self._recent()
            .where(Activity.elapsed_s >= min_elapsed_s)
            .order_by(Activity.avg_hr.desc().nulls_last(), Activity.start_time.desc())
        )

    async def threshold_pace(self, min_duration_s: float) -> list[Span]:
        """The runs of at least `min_duration_s` (moving, else elapsed) with the highest average speed."""
        duration = func.coalesce(Activity.moving_s, Activity.elapsed_s)
        speed = func.coalesce(Activity.avg_speed_mps, Activity.distance_m / func.nullif(duration, 0))
        return await self._spans(
            self._recent()
            .where(Activity.sport == "running", duration >= min_duration_s)
            .order_by(speed.desc().nulls_last(), Activity.start_time.desc())
        )
