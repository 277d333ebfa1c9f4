"""Best efforts: the fastest time the athlete covered a standard distance inside any recent run, and the
VDOT that says about current fitness.

For each run, a two-pointer pass over (time, cumulative distance) finds the shortest window covering the
distance; the window's time is scaled to exactly the distance (constant pace over the few metres of
overshoot). GPS jumps are tamed first: no step between two samples counts more than MAX_STEP_SPEED_MPS
(10 m/s) × its duration; and windows faster than MAX_EFFORT_SPEED_MPS (2:23/km) are skipped.

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
from tools.fitness.repository import Runs
from tools.fitness.vdot import HALF_MARATHON_M, MARATHON_M, MILE_M, vdot_from_race
from tools.samples.series import Span, activity_series

STANDARD_EFFORTS_M: tuple[float, ...] = (MILE_M, 3_000.0, 5_000.0, 10_000.0, HALF_MARATHON_M, MARATHON_M)
ENDURANCE_FROM_M = 5_000.0
MAX_EFFORT_SPEED_MPS = 7.0
MAX_STEP_SPEED_MPS = 10.0
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


def capped_distances(
    timestamps_s: Sequence[float], distances_m: Sequence[float | None]
) -> list[tuple[float, float]]:
    """(t, cumulative distance) with every step capped at MAX_STEP_SPEED_MPS × its duration, so a GPS
    jump adds a few metres instead of hundreds; samples without distance are dropped."""
    points: list[tuple[float, float]] = []
    previous: tuple[float, float] | None = None  # (t, raw distance)
    total = 0.0
    for t, d in zip(timestamps_s, distances_m, strict=True):
        if d is None:
            continue
        if previous is not None:
            step = max(0.0, d - previous[1])
            total += min(step, MAX_STEP_SPEED_MPS * max(t - previous[0], 0.0))
        points.append((t, total))
        previous = (t, d)
    return points


def _best_over(points: Sequence[tuple[float, float]], target_m: float) -> float | None:
    best: float | None = None
    i = 0
    n = len(points)
    for j in range(n):
        t_j, d_j = points[j]
        while i + 1 < j and d_j - points[i + 1][1] >= target_m:
            i += 1
        t_i, d_i = points[i]
        covered = d_j - d_i
        if covered < target_m or t_j <= t_i:
            continue
        elapsed = (t_j - t_i) * target_m / covered
        if (best is None or elapsed < best) and target_m / elapsed <= MAX_EFFORT_SPEED_MPS:
            best = elapsed
    return best


def best_times(
    timestamps_s: Sequence[float],
    distances_m: Sequence[float | None],
    targets_m: Sequence[float],
    to_beat: Mapping[float, float] | None = None,
) -> dict[float, float]:
    """For each target distance the run covered: the shortest time (s) in which the (capped) cumulative
    distance grew by it. With `to_beat` (target → a time already found elsewhere), a longer target is
    skipped when even the pace of this run's best shorter effort could not beat that time — an average
    over a long window is never faster than the best shorter window inside it."""
    points = capped_distances(timestamps_s, distances_m)
    total = points[-1][1] - points[0][1] if points else 0.0
    found: dict[float, float] = {}
    fastest: float | None = None  # best speed (m/s) over a shorter target of this run
    for target in sorted(targets_m):
        if target > total:
            break
        bar = (to_beat or {}).get(target)
        if fastest is not None and bar is not None and target / fastest >= bar:
            continue
        elapsed = _best_over(points, target)
        if elapsed is not None:
            found[target] = elapsed
            fastest = target / elapsed if fastest is None else min(fastest, target / elapsed)
    return found


def best_time(
    timestamps_s: Sequence[float], distances_m: Sequence[float | None], target_m: float
) -> float | None:
    """Shortest time (s) in which the (capped) cumulative distance grew by `target_m`, or None."""
    return best_times(timestamps_s, distances_m, [target_m]).get(target_m)


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
        from tools.fitness.activity_figures import ensure_figures, stored_best_times

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
