"""Effective VO2max of the athlete's stored runs: the pure estimator (`tools.fitness.vo2max`) over the
steady segments of their per-second samples (stored once per run in `activity_figures`), with the
heart-rate anchors of `AnchorResolver`.

The resting heart rate is used (%HRR) only when it is known — from the profile or measured mornings; an
assumed resting heart rate would bias every value, so then the %HRmax relation is used instead. Without a
max heart rate (profile, estimate or age) nothing can be estimated and the caller says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from tools.fitness.activity_figures import ensure_figures, segments
from tools.fitness.repository import Runs
from tools.fitness.vo2max import MIN_STEADY_S, WARMUP_S, RunEstimate, estimate_run_vo2max
from tools.samples.series import Span
from tools.zones.anchors import Anchor, AnchorResolver

MAX_RUNS = 60


@dataclass(frozen=True, slots=True)
class RunVo2max:
    activity_id: int
    day: date
    name: str | None
    distance_m: float | None
    estimate: RunEstimate


@dataclass(frozen=True, slots=True)
class HeartAnchors:
    max_hr: Anchor
    resting_hr: Anchor | None  # None: %HRmax method (no measured resting heart rate)


async def heart_anchors(resolver: AnchorResolver) -> HeartAnchors | None:
    max_hr = await resolver.max_hr()
    if max_hr is None:
        return None
    resting = await resolver.resting_hr()
    return HeartAnchors(max_hr=max_hr, resting_hr=resting if resting.source != "assumed" else None)


async def run_vo2max(
    session: AsyncSession,
    user_id: int,
    tz: ZoneInfo,
    first: date,
    last: date,
    anchors: HeartAnchors,
    *,
    activity_ids: list[int] | None = None,
    hide_sources: tuple[str, ...] = (),
) -> list[RunVo2max]:
    """The effective VO2max of each of the user's runs on local days [first, last] (newest MAX_RUNS with
    heart rate and long enough for a warm-up plus MIN_STEADY_S), oldest first; runs without enough
    steady running are left out, and runs from `hide_sources` (for a model turn)."""
    runs = await Runs(session, user_id).with_heart_rate(
        datetime.combine(first, time(), tzinfo=tz),
        datetime.combine(last + timedelta(days=1), time(), tzinfo=tz),
        min_elapsed_s=WARMUP_S + MIN_STEADY_S,
        hide_sources=hide_sources,
        limit=MAX_RUNS,
        ids=activity_ids,
    )
    spans = [Span(a.id, a.start_time, a.elapsed_s) for a in runs]
    figures = await ensure_figures(session, user_id, spans)  # steady segments, computed once per run
    max_hr = anchors.max_hr.value
    resting = anchors.resting_hr.value if anchors.resting_hr is not None else None
    found: list[RunVo2max] = []
    for activity in reversed(runs):
        stored = figures.get(activity.id)
        if stored is None or not stored.sample_rows:
            continue
        estimate = estimate_run_vo2max(segments(stored), max_hr, resting)
        if estimate is not None:
            found.append(
                RunVo2max(
                    activity_id=activity.id,
                    day=activity.start_time.astimezone(tz).date(),
                    name=activity.name,
                    distance_m=activity.distance_m,
                    estimate=estimate,
                )
            )
    return found
