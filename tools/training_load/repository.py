"""Statements of the training load, for one user: loads and run distance summed per local day, how loads
were measured, and the sessions logged by hand (`activities` rows with their `strength_sets`).

Time bounds are instants (`start` inclusive, `end` exclusive); `tz` names the athlete's time zone, in which
the database finds each activity's local day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.models import Activity, StrengthSet


class Loads:
    def __init__(self, session: AsyncSession, user_id: int) -> None:
        self.session = session
        self.user_id = user_id

    async def per_day(
        self, tz: ZoneInfo, start: datetime, end: datetime, *, hide_sources: Sequence[str] = ()
    ) -> list[tuple[date, float]]:
        """(local day, summed load) of the top-level activities with a load (none from `hide_sources`)."""
        local_day = func.date(func.timezone(tz.key, Activity.start_time))
        rows = await self.session.execute(
            select(local_day, func.sum(Activity.training_load))
            .where(
                Activity.user_id == self.user_id,
                Activity.parent_id.is_(None),
                Activity.training_load.is_not(None),
                Activity.source.not_in(hide_sources),
                Activity.start_time >= start,
                Activity.start_time < end,
            )
            .group_by(local_day)
        )
        return [(row[0], float(row[1])) for row in rows.all()]

    async def run_metres_per_day(
        self, tz: ZoneInfo, start: datetime, end: datetime, *, hide_sources: Sequence[str] = ()
    ) -> dict[date, float]:
        """Metres run per local day (see `tools.training_load.training_load.daily_run_km`): runs, and the
        running legs of a multisport activity on its parent's day; not the legs of a run."""
        parent = aliased(Activity)
        started = func.coalesce(parent.start_time, Activity.start_time)
        local_day = func.date(func.timezone(tz.key, started))
        rows = await self.session.execute(
            select(local_day, func.sum(Activity.distance_m))
            .select_from(Activity)
            .outerjoin(parent, (Activity.parent_id == parent.id) & (parent.user_id == self.user_id))
            .where(
                Activity.user_id == self.user_id,
                Activity.sport == "running",
                Activity.distance_m.is_not(None),
                Activity.source.not_in(hide_sources),
                or_(Activity.parent_id.is_(None), parent.sport != "running"),
                # a leg starts no earlier than its parent: this bound lets the (user, start) index narrow
                # the scan
                Activity.start_time >= start,
                started >= start,
                started < end,
            )
            .group_by(local_day)
        )
        return {row[0]: float(row[1]) for row in rows.all()}

    async def methods(
        self, start: datetime, end: datetime, *, hide_sources: Sequence[str] = ()
    ) -> list[tuple[str | None, int]]:
        """(load method, how many top-level activities) — None for activities without a load."""
        rows = await self.session.execute(
            select(Activity.load_method, func.count())
            .where(
                Activity.user_id == self.user_id,
                Activity.parent_id.is_(None),
                Activity.source.not_in(hide_sources),
                Activity.start_time >= start,
                Activity.start_time < end,
            )
            .group_by(Activity.load_method)
        )
        return [(method, int(count)) for method, count in rows.all()]


class LoggedSessions:
    """Sessions logged by hand (activities of source `source`) and strength activities."""

    def __init__(self, session: AsyncSession, user_id: int) -> None:
        self.session = session
        self.user_id = user_id

    async def add(self, activity: Activity) -> Activity:
        """Add the user's new activity and flush (its id is needed for its sets)."""
        activity.user_id = self.user_id
        self.session.add(activity)
        await self.session.flush()
        return activity

    async def add_sets(self, sets: Sequence[StrengthSet]) -> None:
        for row in sets:
            row.user_id = self.user_id
        self.session.add_all(sets)
        await self.session.flush()

    async def since(self, source: str, start: datetime) -> list[Activity]:
        """The activities of `source` started at or after `start`, newest first."""
        rows = await self.session.scalars(
            select(Activity)
            .where(Activity.user_id == self.user_id, Activity.source == source, Activity.start_time >= start)
            .order_by(Activity.start_time.desc())
        )
        return list(rows.all())

    async def sets_of(self, activity_ids: Sequence[int]) -> list[StrengthSet]:
        if not activity_ids:
            return []
        rows = await self.session.scalars(
            select(StrengthSet).where(
                StrengthSet.user_id == self.user_id, StrengthSet.activity_id.in_(list(activity_ids))
            )
        )
        return list(rows.all())

    async def strength_between(self, start: datetime, end: datetime) -> list[Activity]:
        """Top-level strength activities (logged or imported), in start order."""
        rows = await self.session.scalars(
            select(Activity)
            .where(
                Activity.user_id == self.user_id,
                Activity.parent_id.is_(None),
                Activity.sport == "strength_training",
                Activity.start_time >= start,
                Activity.start_time < end,
            )
            .order_by(Activity.start_time)
        )
        return list(rows.all())
