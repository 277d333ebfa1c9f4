"""Browsing the athlete's activities a page at a time: filters (sport, local date range, text), a total, and
offset paging, newest first. The same summaries as `list_activities` (`activities.summarise`).

Multisport legs are folded into their parent, as everywhere else. The text filter matches the activity's
name, sport, sub-sport and device (case-insensitive substring); `%` and `_` in it are literal.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from tools.activities.activities import ActivitySummary, summarise
from tools.activities.repository import Activities

MAX_PAGE = 200


class ActivityFilters(BaseModel):
    sport: str | None = Field(default=None, max_length=32, description="e.g. running, cycling")
    since: dt.date | None = Field(default=None, description="on or after this local date")
    until: dt.date | None = Field(default=None, description="on or before this local date")
    q: str | None = Field(default=None, max_length=100, description="text in the name, sport or device")
    limit: int = Field(default=50, ge=1, le=MAX_PAGE)
    offset: int = Field(default=0, ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _ordered(self) -> ActivityFilters:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError("since is after until; swap the dates")
        return self


class ActivityPage(BaseModel):
    items: list[ActivitySummary]
    total: int = Field(description="activities matching the filters, over all pages")
    limit: int
    offset: int
    next_offset: int | None = Field(description="the offset of the next page, None on the last page")


async def search_activities(
    session: AsyncSession, user_id: int, tz: ZoneInfo, filters: ActivityFilters
) -> ActivityPage:
    """One page of the user's activities matching `filters`, newest first, with the total count."""
    end = filters.until + dt.timedelta(days=1) if filters.until is not None else None
    total, found = await Activities(session, user_id).page(
        limit=filters.limit,
        offset=filters.offset,
        sport=filters.sport.strip().lower() if filters.sport else None,
        start=dt.datetime.combine(filters.since, dt.time(), tz) if filters.since is not None else None,
        end=dt.datetime.combine(end, dt.time(), tz) if end is not None else None,
        text_in=filters.q.strip() if filters.q and filters.q.strip() else None,
    )
    items = [summarise(a, tz) for a in found]
    following = filters.offset + len(items)
    return ActivityPage(
        items=items,
        total=total,
        limit=filters.limit,
        offset=filters.offset,
        next_offset=following if following < total else None,
    )
