"""What the athlete actually ran: running kilometres per local day, from stored activities."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity

RUNNING = "running"


async def runs_by_day(
    session: AsyncSession,
    user_id: int,
    tz: ZoneInfo,
    first: date,
    last: date,
    *,
    hide_sources: tuple[str, ...] = (),
) -> dict[date, list[Activity]]:
    """The user's top-level runs on local days [first, last], per day, in start order (without runs from
    `hide_sources`: for a model turn)."""
    rows = (
        await session.execute(
            select(Activity)
            .where(
                Activity.user_id == user_id,
                Activity.parent_id.is_(None),
                Activity.sport == RUNNING,
                Activity.source.not_in(hide_sources),
                Activity.start_time >= datetime.combine(first, time(), tzinfo=tz),
                Activity.start_time < datetime.combine(last + timedelta(days=1), time(), tzinfo=tz),
            )
            .order_by(Activity.start_time)
        )
    ).scalars()
    days: dict[date, list[Activity]] = defaultdict(list)
    for activity in rows:
        days[activity.start_time.astimezone(tz).date()].append(activity)
    return dict(days)


async def running_km(session: AsyncSession, user_id: int, tz: ZoneInfo, first: date, last: date) -> float:
    """Kilometres run on local days [first, last]."""
    days = await runs_by_day(session, user_id, tz, first, last)
    return sum((a.distance_m or 0.0) for runs in days.values() for a in runs) / 1000.0


async def weekly_km(session: AsyncSession, user_id: int, tz: ZoneInfo, today: date, weeks: int = 4) -> float:
    """Average kilometres a week over the last `weeks` weeks up to yesterday."""
    last = today - timedelta(days=1)
    return await running_km(session, user_id, tz, last - timedelta(days=7 * weeks - 1), last) / weeks
