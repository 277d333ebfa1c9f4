"""Every statement on `gear` and `activity_gear`, for one user."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from core.models import Activity, ActivityGear, Gear
from core.repository import OwnedRepository


class GearRepository(OwnedRepository[Gear]):
    model = Gear
    what = "gear"

    async def with_totals(self, gear_id: int | None = None) -> list[tuple[Gear, float, int]]:
        """Each piece of gear (newest first, retired last) with the metres and activities linked to it."""
        linked = (
            select(
                ActivityGear.gear_id,
                func.coalesce(func.sum(Activity.distance_m), 0.0).label("distance_m"),
                func.count(Activity.id).label("activities"),
            )
            .join(Activity, Activity.id == ActivityGear.activity_id)
            .where(Activity.user_id == self.user_id)
            .group_by(ActivityGear.gear_id)
            .subquery()
        )
        stmt = (
            select(Gear, linked.c.distance_m, linked.c.activities)
            .outerjoin(linked, linked.c.gear_id == Gear.id)
            .where(Gear.user_id == self.user_id)
            .order_by(Gear.is_retired, Gear.created_at.desc())
        )
        if gear_id is not None:
            stmt = stmt.where(Gear.id == gear_id)
        return [(g, float(d or 0.0), int(n or 0)) for g, d, n in (await self.session.execute(stmt)).all()]

    async def clear_default(self, sport: str, *, keep: int) -> None:
        """No gear but `keep` is the default for `sport` any more."""
        await self.session.execute(
            update(Gear)
            .where(Gear.user_id == self.user_id, Gear.default_for_sport == sport, Gear.id != keep)
            .values(default_for_sport=None)
        )

    async def active_default(self, sport: str) -> int | None:
        return await self.session.scalar(
            select(Gear.id).where(
                Gear.user_id == self.user_id, Gear.default_for_sport == sport, Gear.is_retired.is_(False)
            )
        )

    async def ids_named(self, name: str) -> list[int]:
        """The ids of gear with this name, case and surrounding spaces ignored."""
        stmt = select(Gear.id).where(
            Gear.user_id == self.user_id, func.lower(Gear.name) == name.strip().lower()
        )
        return list((await self.session.scalars(stmt)).all())

    async def link(self, activity: Activity, gear_id: int, *, only: bool = False) -> None:
        """Link the user's gear to their activity (`only`: and unlink any other gear from it)."""
        if activity.user_id != self.user_id:
            raise ValueError("an activity of another user")
        if only:
            await self.session.execute(
                delete(ActivityGear).where(
                    ActivityGear.activity_id == activity.id, ActivityGear.gear_id != gear_id
                )
            )
        await self.session.execute(
            insert(ActivityGear).values(activity_id=activity.id, gear_id=gear_id).on_conflict_do_nothing()
        )

    async def of_activity(self, activity_id: int) -> list[Gear]:
        """The user's gear linked to one activity, by name."""
        rows = await self.session.scalars(
            select(Gear)
            .join(ActivityGear, ActivityGear.gear_id == Gear.id)
            .where(ActivityGear.activity_id == activity_id, Gear.user_id == self.user_id)
            .order_by(Gear.name)
        )
        return list(rows.all())

    async def activity_count(self, gear_id: int) -> int:
        return int(
            await self.session.scalar(select(func.count()).where(ActivityGear.gear_id == gear_id)) or 0
        )
