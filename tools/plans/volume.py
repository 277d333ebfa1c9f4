"""What the athlete actually ran: running kilometres per local day, from stored activities, and the one
definition of the athlete's current weekly volume that every plan tool uses (`current_volume`).

Current weekly volume = the larger of the last 7 days' km and 75 % of the last 4 weeks' weekly average. The
last week is what the body is used to now; the chronic floor keeps one missed or easy week after months of
training from restarting the athlete from zero. `generate_plan` ramps a new plan from it and `adapt_plan`
re-sizes the weeks ahead from it, so adapting right after generating finds the plan where it started.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity
from tools.plans.repository import PlanActivities

CHRONIC_SHARE = 0.75
CHRONIC_WEEKS = 4


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
    rows = await PlanActivities(session, user_id).runs_between(
        datetime.combine(first, time(), tzinfo=tz),
        datetime.combine(last + timedelta(days=1), time(), tzinfo=tz),
        hide_sources=hide_sources,
    )
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


@dataclass(frozen=True, slots=True)
class CurrentVolume:
    """The athlete's current weekly volume and the two figures it comes from."""

    km: float
    last_7_days_km: float
    weekly_average_km: float

    def explain(self) -> str:
        basis = (
            "the last 7 days"
            if self.km == self.last_7_days_km
            else f"{CHRONIC_SHARE:.0%} of your {CHRONIC_WEEKS}-week average {self.weekly_average_km:g} km"
        )
        return (
            f"current volume {self.km:g} km/week: {basis} (last 7 days {self.last_7_days_km:g} km, "
            f"{CHRONIC_WEEKS}-week average {self.weekly_average_km:g} km/week)"
        )


async def current_volume(session: AsyncSession, user_id: int, tz: ZoneInfo, today: date) -> CurrentVolume:
    """The current weekly volume up to yesterday (see the module docstring), rounded to 0.1 km."""
    yesterday = today - timedelta(days=1)
    last_7 = round(await running_km(session, user_id, tz, today - timedelta(days=7), yesterday), 1)
    average = round(await weekly_km(session, user_id, tz, today, CHRONIC_WEEKS), 1)
    return CurrentVolume(round(max(last_7, CHRONIC_SHARE * average), 1), last_7, average)
