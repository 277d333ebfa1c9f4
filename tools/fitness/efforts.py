"""Best efforts: the fastest time the athlete covered a standard distance inside any recent run, and the
VDOT that says about current fitness. Each run's best time over a distance is `tools.fitness.best_times`.

Fitness VDOT is the highest VDOT among efforts of 5 km and longer when there are any (short bests flatter
endurance), else among the shorter ones. A best effort inside a training run was rarely all-out, so this
VDOT is a floor of current fitness, not a race result. Each run's best times over the standard distances
are computed once, at import, and stored with its figures (`tools.fitness.activity_figures`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import TrainingInputError
from tools.fitness.activity_figures import ensure_figures, stored_best_times
from tools.fitness.best_times import STANDARD_EFFORTS_M, best_times
from tools.fitness.repository import Runs
from tools.fitness.vdot import HALF_MARATHON_M, MARATHON_M, MILE_M, vdot_from_race
from tools.samples.series import Span, activity_series

ENDURANCE_FROM_M = 5_000.0
MAX_ACTIVITIES = 150
EFFORT_NAMES = {
    MILE_M: "mile",
    3_000.0: "3K",
    5_000.0: "5K",
    10_000.0: "10K",
    HALF_MARATHON_M: "half marathon",
    MARATHON_M: "marathon",
}


class Effort(BaseModel):
    distance_m: float
    time_s: float
    vdot: float
    activity_id: int
    day: date


async def best_efforts(
    session: AsyncSession,
    user_id: int,
    tz: ZoneInfo,
    since: date,
    until: date,
    distances_m: Sequence[float] = STANDARD_EFFORTS_M,
    hide_sources: Sequence[str] = (),
) -> list[Effort]:
    """The best effort per distance in the user's runs on local days [since, until], leaving out runs from
    `hide_sources` (for a model turn: `tools.activities.visibility`)."""
    activities = await Runs(session, user_id).fastest(  # fast runs first: more skips
        datetime.combine(since, time(), tzinfo=tz),
        datetime.combine(until + timedelta(days=1), time(), tzinfo=tz),
        min_distance_m=min(distances_m),
        hide_sources=hide_sources,
        limit=MAX_ACTIVITIES,
    )
    spans = [Span(row[0], row[1], row[2]) for row in activities]
    days = {row[0]: row[1].astimezone(tz).date() for row in activities}
    best: dict[float, Effort] = {}
    async for activity_id, times in _best_times_of(session, user_id, spans, distances_m, best):
        for distance, elapsed in times.items():
            if distance in best and best[distance].time_s <= elapsed:
                continue
            try:
                vdot = vdot_from_race(distance, elapsed)
            except TrainingInputError:
                continue
            best[distance] = Effort(
                distance_m=distance, time_s=elapsed, vdot=vdot, activity_id=activity_id, day=days[activity_id]
            )
    return [best[d] for d in sorted(best)]


async def _best_times_of(
    session: AsyncSession,
    user_id: int,
    spans: Sequence[Span],
    distances_m: Sequence[float],
    best: Mapping[float, Effort],
) -> AsyncIterator[tuple[int, dict[float, float]]]:
    """(activity id, its best time per distance) of each run with samples. The standard distances come
    from the runs' stored figures (computed once, at import); others from the samples, each run skipping
    the distances it cannot win (`best` holds the bests so far: the caller fills it between runs)."""
    if set(distances_m) <= set(STANDARD_EFFORTS_M):
        figures = await ensure_figures(session, user_id, spans)
        for span in spans:
            found = figures.get(span.id)
            if found is not None and found.sample_rows:
                stored = stored_best_times(found)
                yield span.id, {d: stored[d] for d in sorted(distances_m) if d in stored}
        return
    series = await activity_series(session, user_id, spans, ["distance_m"])
    for activity_id, samples in series.items():
        bars = {d: e.time_s for d, e in best.items()}
        yield activity_id, best_times(samples.t, samples["distance_m"], distances_m, bars)


def fitness_effort(efforts: Sequence[Effort]) -> Effort | None:
    """The effort that sets fitness VDOT: the best among ≥ 5 km efforts, else among all."""
    long = [e for e in efforts if e.distance_m >= ENDURANCE_FROM_M]
    pool = long or list(efforts)
    return max(pool, key=lambda e: e.vdot) if pool else None


DEFAULT_LOOKBACK_DAYS = 120


async def recent_fitness(
    session: AsyncSession,
    user_id: int,
    tz: ZoneInfo,
    today: date,
    days: int = DEFAULT_LOOKBACK_DAYS,
    *,
    hide_sources: Sequence[str] = (),
) -> tuple[Effort | None, list[Effort]]:
    """(the effort that sets fitness VDOT, all best efforts) over the last `days` local days."""
    since = today - timedelta(days=days - 1)
    efforts = await best_efforts(session, user_id, tz, since, today, hide_sources=hide_sources)
    return fitness_effort(efforts), efforts
