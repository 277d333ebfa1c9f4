"""Statements on `activity_figures` (per-activity figures stored once from the samples), for one user."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

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
