"""Activities as the coach (and the API) reads them: a filtered list, and one activity in detail."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.models import Activity
from tools.activities.repository import Activities
from tools.activities.visibility import check_visible, hidden_sources
from tools.deps import ToolDeps
from tools.registry import tool


class ActivitySummary(BaseModel):
    id: int
    name: str | None
    sport: str
    start_time: dt.datetime
    local_date: dt.date = Field(description="the day in the athlete's time zone")
    distance_km: float | None
    duration_s: float | None = Field(description="moving time when known, else elapsed")
    pace_s_per_km: float | None
    avg_hr: float | None
    max_hr: float | None
    ascent_m: float | None
    training_load: float | None
    load_method: str | None
    source: str


class LapOut(BaseModel):
    index: int
    distance_km: float | None
    duration_s: float | None
    pace_s_per_km: float | None
    avg_hr: float | None
    max_hr: float | None = None


class ActivityDetail(ActivitySummary):
    avg_cadence: float | None
    avg_power: float | None
    calories: float | None
    device: str | None
    sample_count: int
    laps: list[LapOut]
    import_warnings: list[str] = Field(
        default_factory=list,
        description="what the import had to salvage or estimate (dropped samples, a truncated file, distance "
        "computed from GPS); say so when it matters for the numbers",
    )


def _pace(distance_m: float | None, seconds: float | None) -> float | None:
    if not distance_m or not seconds or distance_m < 50:
        return None
    return round(seconds / (distance_m / 1000), 1)


def summarise(activity: Activity, tz: dt.tzinfo) -> ActivitySummary:
    duration = activity.moving_s or activity.elapsed_s
    return ActivitySummary(
        id=activity.id,
        name=activity.name,
        sport=activity.sport,
        start_time=activity.start_time,
        local_date=activity.start_time.astimezone(tz).date(),
        distance_km=round(activity.distance_m / 1000, 2) if activity.distance_m is not None else None,
        duration_s=duration,
        pace_s_per_km=_pace(activity.distance_m, duration)
        if activity.sport in ("running", "walking")
        else None,
        avg_hr=activity.avg_hr,
        max_hr=activity.max_hr,
        ascent_m=activity.ascent_m,
        training_load=activity.training_load,
        load_method=activity.load_method,
        source=activity.source,
    )


async def get_owned_activity(session: AsyncSession, user_id: int, activity_id: int) -> Activity:
    return await Activities(session, user_id).get(activity_id)


class ListActivitiesInput(BaseModel):
    limit: int = Field(default=10, description="at most 50")
    since: dt.date | None = Field(default=None, description="only activities on or after this local date")
    until: dt.date | None = Field(default=None, description="only activities on or before this local date")
    sport: str | None = Field(default=None, description="e.g. running, cycling, swimming")


class ActivityList(BaseModel):
    activities: list[ActivitySummary]
    total_distance_km: float
    total_duration_s: float
    count: int = Field(default=0, description="how many activities are listed")
    avg_pace_s_per_km: float | None = Field(
        default=None, description="the listed runs' (and walks') total moving time over their total distance"
    )


@tool()
async def list_activities(deps: ToolDeps, args: ListActivitiesInput) -> ActivityList:
    """The athlete's activities, newest first (multisport legs are folded into their parent), with
    distance, moving time, pace, heart rate and training load, plus totals over what is listed."""
    limit = max(1, min(args.limit, 50))
    found = await Activities(deps.session, deps.user_id).latest(
        limit,
        start=dt.datetime.combine(args.since, dt.time(), deps.tz) if args.since is not None else None,
        end=dt.datetime.combine(args.until + dt.timedelta(days=1), dt.time(), deps.tz)
        if args.until is not None
        else None,
        sport=args.sport.lower() if args.sport else None,
        hidden=hidden_sources(deps),
    )
    rows = [summarise(a, deps.tz) for a in found]
    on_foot = [a for a in rows if a.pace_s_per_km is not None and a.distance_km and a.duration_s]
    foot_km = sum(a.distance_km or 0 for a in on_foot)
    return ActivityList(
        activities=rows,
        total_distance_km=round(sum(a.distance_km or 0 for a in rows), 2),
        total_duration_s=sum(a.duration_s or 0 for a in rows),
        count=len(rows),
        avg_pace_s_per_km=round(sum(a.duration_s or 0 for a in on_foot) / foot_km, 1) if foot_km else None,
    )


class ActivityInput(BaseModel):
    activity_id: int | None = Field(default=None, description="default: the most recent activity")


@tool()
async def last_activity(deps: ToolDeps, args: ActivityInput) -> ActivityDetail:
    """One activity in detail (the most recent one unless an id is given): totals, pace, heart rate,
    cadence, power, training load and every lap."""
    activities = Activities(deps.session, deps.user_id)
    if args.activity_id is not None:
        activity = check_visible(deps, await activities.get(args.activity_id))
    else:
        found = await activities.latest(1, hidden=hidden_sources(deps))
        if not found:
            raise NotFound("There are no activities yet. Import a FIT file (or GPX, TCX) or connect Garmin.")
        activity = found[0]
    laps = await activities.laps(activity.id)
    device = " ".join(p for p in (activity.device_manufacturer, activity.device_product) if p) or None
    return ActivityDetail(
        **summarise(activity, deps.tz).model_dump(),
        avg_cadence=activity.avg_cadence,
        avg_power=activity.avg_power,
        calories=activity.calories,
        device=device,
        sample_count=activity.sample_count,
        import_warnings=[str(w) for w in activity.import_warnings or []],
        laps=[
            LapOut(
                index=lap.lap_index,
                distance_km=round(lap.distance_m / 1000, 3) if lap.distance_m is not None else None,
                duration_s=lap.timer_s or lap.elapsed_s,
                pace_s_per_km=_pace(lap.distance_m, lap.timer_s or lap.elapsed_s),
                avg_hr=lap.avg_hr,
                max_hr=lap.max_hr,
            )
            for lap in laps
        ],
    )
