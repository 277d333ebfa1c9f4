"""Statements on plans' sessions and the athlete's availability (`planned_sessions`, `workouts`,
`availability_days`, `blackout_days`), for one user."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import AvailabilityDay, BlackoutDay
from core.models import PlannedSession as SessionRow
from core.models import TrainingPlan as PlanRow
from core.models import Workout as WorkoutRow


class AvailabilityRepository:
    def __init__(self, session: AsyncSession, user_id: int) -> None:
        self.session = session
        self.user_id = user_id

    async def weekdays(self) -> dict[int, AvailabilityDay]:
        """The weekdays the athlete set, by weekday (0 = Monday)."""
        rows = await self.session.scalars(
            select(AvailabilityDay).where(AvailabilityDay.user_id == self.user_id)
        )
        return {row.weekday: row for row in rows}

    def add_weekday(self, weekday: int) -> AvailabilityDay:
        row = AvailabilityDay(user_id=self.user_id, weekday=weekday)
        self.session.add(row)
        return row

    async def blackouts(self, since: dt.date | None = None) -> list[BlackoutDay]:
        stmt = select(BlackoutDay).where(BlackoutDay.user_id == self.user_id)
        if since is not None:
            stmt = stmt.where(BlackoutDay.day >= since)
        return list((await self.session.scalars(stmt.order_by(BlackoutDay.day))).all())

    async def blackout(self, day: dt.date) -> BlackoutDay | None:
        return await self.session.scalar(
            select(BlackoutDay).where(BlackoutDay.user_id == self.user_id, BlackoutDay.day == day)
        )

    def add_blackout(self, day: dt.date, reason: str | None) -> BlackoutDay:
        row = BlackoutDay(user_id=self.user_id, day=day, reason=reason)
        self.session.add(row)
        return row

    async def remove_blackout(self, day: dt.date) -> bool:
        """Unblock `day`; False when it was not blocked."""
        result = await self.session.execute(
            delete(BlackoutDay).where(BlackoutDay.user_id == self.user_id, BlackoutDay.day == day)
        )
        return bool(getattr(result, "rowcount", 0))


class PlannedSessions:
    def __init__(self, session: AsyncSession, user_id: int) -> None:
        self.session = session
        self.user_id = user_id

    async def workout_structures(self, workout_ids: set[int]) -> dict[int, object]:
        """The stored structure of each of the user's workouts, by id."""
        rows = await self.session.execute(
            select(WorkoutRow.id, WorkoutRow.structure).where(
                WorkoutRow.user_id == self.user_id, WorkoutRow.id.in_(workout_ids)
            )
        )
        return {workout_id: structure for workout_id, structure in rows.all()}

    async def fulfilled_by(self, activity_id: int) -> SessionRow | None:
        """The latest planned session this activity fulfilled."""
        return await self.session.scalar(
            select(SessionRow)
            .where(SessionRow.user_id == self.user_id, SessionRow.activity_id == activity_id)
            .order_by(SessionRow.id.desc())
            .limit(1)
        )

    async def first_open_run_on(
        self, day: dt.date, *, open_statuses: tuple[str, ...], active: str
    ) -> SessionRow | None:
        """The active plan's first open, unfulfilled run on `day`."""
        return await self.session.scalar(
            select(SessionRow)
            .join(PlanRow, PlanRow.id == SessionRow.plan_id)
            .where(
                SessionRow.user_id == self.user_id,
                SessionRow.date == day,
                SessionRow.activity_id.is_(None),
                SessionRow.status.in_(open_statuses),
                SessionRow.kind.notin_(("rest", "strength")),
                PlanRow.status == active,
            )
            .order_by(SessionRow.id)
            .limit(1)
        )

    async def runs_between(
        self, start: dt.date, end: dt.date, *, statuses: tuple[str, ...], active: str
    ) -> list[SessionRow]:
        """The active plan's runs (no rest, strength or race days) from `start` to `end`, by date."""
        rows = await self.session.scalars(
            select(SessionRow)
            .join(PlanRow, PlanRow.id == SessionRow.plan_id)
            .where(
                SessionRow.user_id == self.user_id,
                PlanRow.status == active,
                SessionRow.status.in_(statuses),
                SessionRow.kind.notin_(("rest", "strength", "race")),
                SessionRow.date >= start,
                SessionRow.date <= end,
            )
            .order_by(SessionRow.date, SessionRow.id)
        )
        return list(rows.all())
