"""Every statement on `daily_health` (sleep, HRV, resting HR per day), for one user."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from core.models import DailyHealth
from core.repository import OwnedRepository


class HealthDays(OwnedRepository[DailyHealth]):
    model = DailyHealth
    what = "health day"

    async def between(self, first: date, last: date) -> list[DailyHealth]:
        """The days from `first` to `last`, inclusive, in order."""
        return await self.all(DailyHealth.day >= first, DailyHealth.day <= last, order_by=[DailyHealth.day])

    async def stored_days(self, first: date, last: date) -> set[date]:
        """Which days from `first` to `last` (inclusive) have a row."""
        rows = await self.session.scalars(
            select(DailyHealth.day).where(self.owner == self.user_id, DailyHealth.day.between(first, last))
        )
        return set(rows)

    async def upsert(self, day: date, values: dict[str, Any], raw: dict[str, Any], *, source: str) -> None:
        """Insert or update the day: a column in `values` stays as it was where the new value is None (a
        provider fills a day in over time), and `raw` is merged into the stored extras."""
        stmt = insert(DailyHealth).values(user_id=self.user_id, day=day, source=source, raw=raw, **values)
        table = DailyHealth.__table__
        update: dict[str, Any] = {
            column: func.coalesce(stmt.excluded[column], table.c[column]) for column in values
        }
        update["raw"] = table.c.raw.op("||")(stmt.excluded.raw)
        update["source"] = stmt.excluded.source
        update["updated_at"] = func.now()
        await self.session.execute(stmt.on_conflict_do_update(index_elements=["user_id", "day"], set_=update))
