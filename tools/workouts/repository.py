"""Statements on structured workouts (`workouts` + their `workout_steps`), for one user.

Steps have no owner column of their own: they are the user's through their workout, so every statement on
steps either joins the user's workout or follows a workout row read through this repository."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.sql.elements import ColumnElement

from core.errors import NotFound
from core.models import PlannedSession, WorkoutStep
from core.models import Workout as WorkoutRow
from core.repository import OwnedRepository


class Workouts(OwnedRepository[WorkoutRow]):
    model = WorkoutRow
    what = "workout"

    async def find(self, workout_id: int) -> WorkoutRow | None:
        return await self.session.scalar(self.select().where(WorkoutRow.id == workout_id))

    async def page(
        self,
        *,
        include_plan_sessions: bool,
        scheduled_from: dt.date | None,
        scheduled_to: dt.date | None,
        limit: int,
        offset: int,
    ) -> tuple[int, list[WorkoutRow]]:
        """(how many match, one page of them): newest scheduled first, unscheduled last."""
        where: list[ColumnElement[bool]] = [WorkoutRow.user_id == self.user_id]
        if not include_plan_sessions:
            in_plan = select(PlannedSession.workout_id).where(
                PlannedSession.user_id == self.user_id, PlannedSession.workout_id.is_not(None)
            )
            where.append(WorkoutRow.id.not_in(in_plan))
        if scheduled_from is not None:
            where.append(WorkoutRow.scheduled_date >= scheduled_from)
        if scheduled_to is not None:
            where.append(WorkoutRow.scheduled_date <= scheduled_to)
        total = int(
            await self.session.scalar(select(func.count()).select_from(WorkoutRow).where(*where)) or 0
        )
        rows = await self.session.scalars(
            select(WorkoutRow)
            .where(*where)
            .order_by(WorkoutRow.scheduled_date.desc().nulls_last(), WorkoutRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return int(total or 0), list(rows.all())

    async def in_plan(self, workout_id: int) -> bool:
        """Whether the workout is a session of one of the user's plans."""
        found = await self.session.execute(
            select(PlannedSession.id).where(
                PlannedSession.user_id == self.user_id, PlannedSession.workout_id == workout_id
            )
        )
        return found.first() is not None

    async def add_all(self, rows: Sequence[WorkoutRow]) -> None:
        """Add the user's new workouts and flush (their ids are needed for the steps)."""
        for row in rows:
            self.add(row)
        await self.session.flush()

    async def remove(self, row: WorkoutRow) -> None:
        """Delete the user's workout (its steps follow by ON DELETE CASCADE) and flush."""
        await self.delete(row)
        await self.session.flush()

    async def new_step_ids(self, count: int) -> list[int]:
        """`count` ids drawn from the steps' sequence, so a step can point at its repeat in one INSERT."""
        ids = await self.session.scalars(
            text("SELECT nextval(pg_get_serial_sequence('workout_steps', 'id')) FROM generate_series(1, :n)"),
            {"n": count},
        )
        return list(ids.all())

    async def insert_steps(self, rows: Sequence[WorkoutRow], values: list[dict[str, Any]]) -> None:
        """Insert steps (`values`, ids drawn by `new_step_ids`) of the user's workouts `rows`, in one
        statement."""
        owned = {row.id for row in rows if row.user_id == self.user_id}
        for workout_id in {v["workout_id"] for v in values} - owned:  # from elsewhere: as a missing one
            raise NotFound(f"No workout {workout_id} here. Check the id, or list yours to find it.")
        await self.session.execute(insert(WorkoutStep), values)

    async def delete_steps(self, row: WorkoutRow) -> None:
        """Delete the steps of the user's workout `row` (before it gets new ones)."""
        if row.user_id != self.user_id:  # a row from elsewhere: the same answer as a missing one
            raise NotFound(f"No workout {row.id} here. Check the id, or list yours to find it.")
        await self.session.execute(delete(WorkoutStep).where(WorkoutStep.workout_id == row.id))

    async def steps(self, workout_id: int) -> list[WorkoutStep]:
        """The steps of the user's workout, in order (none for another user's)."""
        rows = await self.session.scalars(
            select(WorkoutStep)
            .join(WorkoutRow, WorkoutRow.id == WorkoutStep.workout_id)
            .where(WorkoutStep.workout_id == workout_id, WorkoutRow.user_id == self.user_id)
            .order_by(WorkoutStep.ordinal)
        )
        return list(rows.all())
