"""Statements of the fitness capability, for one user: `activity_figures` (per-activity figures stored
once from the samples) and the runs that best efforts and VO2max are read from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from core.models import Activity, ActivityFigures


class FiguresRepository:
    def __init__(self, session: AsyncSession, user_id: int) -> None:
        self.session = session
        self.user_id = user_id

    async def replace(self, row: dict[str, Any]) -> None:
        """Store (or replace: the samples changed) one activity's figures."""
        statement = insert(ActivityFigures).values({**row, "user_id": self.user_id})
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["activity_id"],
                set_={k: statement.excluded[k] for k in row if k not in ("activity_id", "user_id")},
                where=ActivityFigures.user_id == self.user_id,
            )
        )

    async def one(self, activity_id: int) -> ActivityFigures | None:
        """One activity's stored figures: from the session when it holds them (no statement), else read."""
        found = await self.session.get(ActivityFigures, activity_id)
        return found if found is not None and found.user_id == self.user_id else None

    async def of(self, activity_ids: Sequence[int]) -> dict[int, ActivityFigures]:
        """The stored figures of these activities, by activity id (read afresh)."""
        rows = await self.session.scalars(
            select(ActivityFigures)
            .where(
                ActivityFigures.user_id == self.user_id, ActivityFigures.activity_id.in_(list(activity_ids))
            )
            .execution_options(populate_existing=True)
        )
        return {f.activity_id: f for f in rows}

    async def sports(self, activity_ids: Sequence[int]) -> dict[int, str]:
        rows = await self.session.execute(
            select(Activity.id, Activity.sport).where(
                Activity.user_id == self.user_id, Activity.id.in_(list(activity_ids))
            )
        )
        return {activity_id: sport for activity_id, sport in rows.all()}

    async def add_missing(self, rows: list[dict[str, Any]]) -> None:
        """Store figures for activities that have none (a concurrent writer's row wins)."""
        await self.session.execute(
            insert(ActivityFigures)
            .values([{**row, "user_id": self.user_id} for row in rows])
            .on_conflict_do_nothing(index_elements=["activity_id"])
        )


class Runs:
    """The user's runs (sport `running`) started in [`start`, `end`), leaving out `hide_sources`."""

    def __init__(self, session: AsyncSession, user_id: int) -> None:
        self.session = session
        self.user_id = user_id

    def _between(
        self, start: datetime, end: datetime, hide_sources: Sequence[str]
    ) -> tuple[ColumnElement[bool], ...]:
        return (
            Activity.user_id == self.user_id,
            Activity.sport == "running",
            Activity.start_time >= start,
            Activity.start_time < end,
            Activity.source.not_in(hide_sources),
        )

    async def fastest(
        self,
        start: datetime,
        end: datetime,
        *,
        min_distance_m: float,
        hide_sources: Sequence[str],
        limit: int,
    ) -> list[tuple[int, datetime, float | None]]:
        """(id, start, elapsed s) of the `limit` fastest runs of at least `min_distance_m`, fastest first
        (by average moving, else elapsed, speed; the newest first among equals)."""
        speed = Activity.distance_m / func.nullif(func.coalesce(Activity.moving_s, Activity.elapsed_s), 0)
        rows = await self.session.execute(
            select(Activity.id, Activity.start_time, Activity.elapsed_s)
            .where(*self._between(start, end, hide_sources), Activity.distance_m >= min_distance_m)
            .order_by(speed.desc().nulls_last(), Activity.start_time.desc())
            .limit(limit)
        )
        return [(row[0], row[1], row[2]) for row in rows.all()]

    async def with_heart_rate(
        self,
        start: datetime,
        end: datetime,
        *,
        min_elapsed_s: float,
        hide_sources: Sequence[str],
        limit: int,
        ids: Sequence[int] | None = None,
    ) -> list[Activity]:
        """The newest `limit` top-level runs with heart rate lasting at least `min_elapsed_s` (only those of
        `ids` when given), newest first."""
        statement = (
            select(Activity)
            .where(
                *self._between(start, end, hide_sources),
                Activity.parent_id.is_(None),
                Activity.avg_hr.is_not(None),
                Activity.elapsed_s >= min_elapsed_s,
            )
            .order_by(Activity.start_time.desc())
            .limit(limit)
        )
        if ids is not None:
            statement = statement.where(Activity.id.in_(list(ids)))
        return list((await self.session.scalars(statement)).all())
