"""Statements on plans, their sessions and the athlete's availability (`training_plans`,
`planned_sessions`, `workouts`, `availability_days`, `blackout_days`), and on the runs plans are compared
with, for one user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from core.models import Activity, AvailabilityDay, BlackoutDay
from core.models import PlannedSession as SessionRow
from core.models import TrainingPlan as PlanRow
from core.models import Workout as WorkoutRow
from core.repository import OwnedRepository

ACTIVE = "active"
#: a planned session that is still to be run (not done, missed or skipped)
OPEN_STATUSES = ("planned", "adjusted")
#: a session of the plan as it stands (not replaced when the plan was re-flowed)
LIVE_STATUSES = ("planned", "done", "missed", "moved", "adjusted")


class Plans(OwnedRepository[PlanRow]):
    model = PlanRow
    what = "training plan"

    async def active(self) -> PlanRow | None:
        """The user's active plan (the newest, should there be two)."""
        return await self.session.scalar(
            self.select()
            .where(PlanRow.status == ACTIVE)
            .order_by(PlanRow.created_at.desc(), PlanRow.id.desc())
            .limit(1)
        )

    async def find(self, plan_id: int) -> PlanRow | None:
        return await self.session.scalar(self.select().where(PlanRow.id == plan_id).limit(1))

    async def archive_active(self) -> None:
        """Archive the user's active plans (a new one is about to take their place)."""
        await self.session.execute(
            update(PlanRow)
            .where(PlanRow.user_id == self.user_id, PlanRow.status == ACTIVE)
            .values(status="archived")
        )

    async def add_flushed(self, row: PlanRow) -> PlanRow:
        """Add the user's new plan and flush (its id is needed for its sessions)."""
        self.add(row)
        await self.session.flush()
        return row


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

    async def add_all(self, rows: Sequence[SessionRow]) -> None:
        """Add the user's new sessions and flush."""
        for row in rows:
            row.user_id = self.user_id
        self.session.add_all(rows)
        await self.session.flush()

    async def live_with_structure(self, plan_id: int) -> list[tuple[SessionRow, object]]:
        """The plan's live sessions with their workout's stored structure, by date."""
        rows = await self.session.execute(
            select(SessionRow, WorkoutRow.structure)
            .join(WorkoutRow, WorkoutRow.id == SessionRow.workout_id)
            .where(
                SessionRow.plan_id == plan_id,
                SessionRow.user_id == self.user_id,
                SessionRow.status.in_(LIVE_STATUSES),
            )
            .order_by(SessionRow.date, SessionRow.id)
        )
        return [(row, structure) for row, structure in rows.all()]

    async def live_between(self, plan_id: int, start: dt.date, end: dt.date) -> list[SessionRow]:
        """The plan's live sessions from `start` to `end`, by date."""
        rows = await self.session.scalars(
            select(SessionRow)
            .where(
                SessionRow.user_id == self.user_id,
                SessionRow.plan_id == plan_id,
                SessionRow.status.in_(LIVE_STATUSES),
                SessionRow.date >= start,
                SessionRow.date <= end,
            )
            .order_by(SessionRow.date, SessionRow.id)
        )
        return list(rows.all())

    async def open_on(self, day: dt.date) -> tuple[SessionRow, PlanRow] | None:
        """The active plan's first open session on `day`, with the plan."""
        found = (
            await self.session.execute(
                select(SessionRow, PlanRow)
                .join(PlanRow, PlanRow.id == SessionRow.plan_id)
                .where(
                    SessionRow.user_id == self.user_id,
                    SessionRow.date == day,
                    SessionRow.status.in_(OPEN_STATUSES),
                    PlanRow.status == ACTIVE,
                )
                .order_by(SessionRow.id)
                .limit(1)
            )
        ).first()
        return (found[0], found[1]) if found else None

    async def get(self, session_id: int) -> SessionRow | None:
        """The user's planned session with that id."""
        return await self.session.scalar(
            select(SessionRow).where(SessionRow.id == session_id, SessionRow.user_id == self.user_id)
        )

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


class PlanActivities:
    """The user's top-level activities that plans are compared with, started in [`start`, `end`)."""

    def __init__(self, session: AsyncSession, user_id: int) -> None:
        self.session = session
        self.user_id = user_id

    def _between(self, start: dt.datetime, end: dt.datetime) -> tuple[ColumnElement[bool], ...]:
        return (
            Activity.user_id == self.user_id,
            Activity.parent_id.is_(None),
            Activity.start_time >= start,
            Activity.start_time < end,
        )

    async def between(self, start: dt.datetime, end: dt.datetime) -> list[Activity]:
        """Every sport, in start order."""
        rows = await self.session.scalars(
            select(Activity).where(*self._between(start, end)).order_by(Activity.start_time)
        )
        return list(rows.all())

    async def runs_between(
        self, start: dt.datetime, end: dt.datetime, *, hide_sources: Sequence[str] = ()
    ) -> list[Activity]:
        """Runs, without those from `hide_sources`, in start order."""
        rows = await self.session.scalars(
            select(Activity)
            .where(
                *self._between(start, end), Activity.sport == "running", Activity.source.not_in(hide_sources)
            )
            .order_by(Activity.start_time)
        )
        return list(rows.all())
