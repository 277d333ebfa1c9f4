"""The numbers RunCoach's comment on one activity is composed from (`tools.feed.comment`), read from storage.

The activity itself comes through `activity_view` — the same detail the activity page and the after-run
message's `last_activity` call show (totals, laps, time in heart-rate zones) — plus its per-second distance
for the half splits; the history is the athlete's own activities *before* this one, so a comment does not
change when later activities arrive.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity, User
from tools.activities.detail import activity_view
from tools.deps import ToolDeps
from tools.feed.comment import HISTORY_DAYS, LOAD_DAYS, ActivityFacts, History, Prior, half_splits
from tools.samples.series import Span, activity_series


async def activity_facts(session: AsyncSession, athlete: User, activity: Activity) -> ActivityFacts:
    """The measured facts of one of `athlete`'s activities."""
    view = await activity_view(ToolDeps.for_user(session, athlete), activity.id)
    top_zone: tuple[str, float] | None = None
    if view.hr_zones is not None:
        total = sum(z.seconds for z in view.hr_zones.zones)
        if total > 0:
            best = max(view.hr_zones.zones, key=lambda z: z.seconds)
            top_zone = (best.name, best.seconds / total)
    series = await activity_series(
        session,
        athlete.id,
        [Span(id=activity.id, start_time=activity.start_time, elapsed_s=activity.elapsed_s)],
        ["distance_m"],
    )
    samples = series.get(activity.id)
    return ActivityFacts(
        sport=activity.sport,
        distance_m=activity.distance_m,
        duration_s=view.duration_s,
        avg_hr=view.avg_hr,
        training_load=view.training_load,
        load_method=view.load_method,
        halves_s=half_splits(samples.t, samples["distance_m"]) if samples is not None else None,
        top_zone=top_zone,
        zone_max_hr=view.hr_zones.max_hr if view.hr_zones is not None else None,
        zone_anchor=str(view.hr_zones.anchor) if view.hr_zones is not None else None,
    )


async def history_before(session: AsyncSession, athlete_id: int, activity: Activity) -> History:
    """The athlete's same-sport activities in the HISTORY_DAYS before `activity`, and every training load
    of the LOAD_DAYS before it."""
    start = activity.start_time
    earlier = (
        Activity.user_id == athlete_id,
        Activity.parent_id.is_(None),
        Activity.id != activity.id,
        Activity.start_time < start,
    )
    same_sport = (
        await session.execute(
            select(Activity.distance_m, Activity.moving_s, Activity.elapsed_s).where(
                *earlier,
                Activity.sport == activity.sport,
                Activity.start_time >= start - timedelta(days=HISTORY_DAYS),
            )
        )
    ).all()
    loads = (
        await session.execute(
            select(Activity.training_load).where(
                *earlier,
                Activity.training_load.isnot(None),
                Activity.start_time >= start - timedelta(days=LOAD_DAYS),
            )
        )
    ).scalars()
    return History(
        same_sport=[Prior(distance_m=d, duration_s=moving or elapsed) for d, moving, elapsed in same_sport],
        loads_before=[float(x) for x in loads if x is not None],
    )
