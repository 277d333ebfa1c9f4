"""Browsing the athlete's activities a page at a time: filters (sport, local date range, text), a total, and
offset paging, newest first. The same summaries as `list_activities` (`activities.summarise`).

Multisport legs are folded into their parent, as everywhere else. The text filter matches the activity's
name, sport, sub-sport and device (case-insensitive substring); `%` and `_` in it are literal.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity
from tools.activities.activities import ActivitySummary, summarise

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


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(user_id: int, tz: ZoneInfo, filters: ActivityFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Activity.user_id == user_id, Activity.parent_id.is_(None)]
    if filters.sport:
        where.append(Activity.sport == filters.sport.strip().lower())
    if filters.since is not None:
        where.append(Activity.start_time >= dt.datetime.combine(filters.since, dt.time(), tz))
    if filters.until is not None:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), tz)
        where.append(Activity.start_time < end)
    if filters.q and filters.q.strip():
        pattern = f"%{_escape_like(filters.q.strip())}%"
        where.append(
            or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (
                        Activity.name,
                        Activity.sport,
                        Activity.sub_sport,
                        Activity.device_manufacturer,
                        Activity.device_product,
                    )
                )
            )
        )
    return where


async def search_activities(
    session: AsyncSession, user_id: int, tz: ZoneInfo, filters: ActivityFilters
) -> ActivityPage:
    """One page of the user's activities matching `filters`, newest first, with the total count."""
    where = _conditions(user_id, tz, filters)
    total = int(
        (await session.execute(select(func.count()).select_from(Activity).where(*where))).scalar_one()
    )
    page: Select[Activity] = (
        select(Activity)
        .where(*where)
        .order_by(Activity.start_time.desc(), Activity.id.desc())
        .limit(filters.limit)
        .offset(filters.offset)
    )
    items = [summarise(a, tz) for a in (await session.execute(page)).scalars()]
    following = filters.offset + len(items)
    return ActivityPage(
        items=items,
        total=total,
        limit=filters.limit,
        offset=filters.offset,
        next_offset=following if following < total else None,
    )
