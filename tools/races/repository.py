"""Every statement on `races`, for one user."""

from __future__ import annotations

import datetime as dt

from core.models import Race
from core.repository import OwnedRepository


class Races(OwnedRepository[Race]):
    model = Race
    what = "race"

    async def in_date_order(self) -> list[Race]:
        return await self.all(order_by=[Race.date])

    async def next(self, today: dt.date, *, priority: str | None = None) -> Race | None:
        """The first race on or after `today` (of `priority`, if given)."""
        stmt = self.select().where(Race.date >= today).order_by(Race.date).limit(1)
        if priority:
            stmt = stmt.where(Race.priority == priority)
        return await self.session.scalar(stmt)

    async def from_date(self, first: dt.date) -> list[Race]:
        """The races on or after `first`, by date."""
        return await self.all(Race.date >= first, order_by=[Race.date, Race.id])
