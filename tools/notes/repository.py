"""Every statement on `calendar_notes`, for one user."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from core.models import CalendarNote
from core.repository import OwnedRepository


class CalendarNotes(OwnedRepository[CalendarNote]):
    model = CalendarNote
    what = "calendar note"

    async def between(
        self, first: date, last: date, kinds: Sequence[str] | None = None
    ) -> list[CalendarNote]:
        """The notes overlapping [first, last] (of `kinds`, if given), by start date."""
        where = [CalendarNote.start_date <= last, CalendarNote.end_date >= first]
        if kinds is not None:
            where.append(CalendarNote.kind.in_(kinds))
        return await self.all(*where, order_by=[CalendarNote.start_date, CalendarNote.id])
