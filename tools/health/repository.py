"""Every read of `daily_health` (sleep, HRV, resting HR per day), for one user."""

from __future__ import annotations

from datetime import date

from core.models import DailyHealth
from core.repository import OwnedRepository


class HealthDays(OwnedRepository[DailyHealth]):
    model = DailyHealth
    what = "health day"

    async def between(self, first: date, last: date) -> list[DailyHealth]:
        """The days from `first` to `last`, inclusive, in order."""
        return await self.all(DailyHealth.day >= first, DailyHealth.day <= last, order_by=[DailyHealth.day])
