"""The fastest time a run covered a distance in: a two-pointer pass over (time, cumulative distance) finds
the shortest window covering it, and the window's time is scaled to exactly the distance (constant pace over
the few metres of overshoot). GPS jumps are tamed first: no step between two samples counts more than
MAX_STEP_SPEED_MPS (10 m/s) × its duration; and windows faster than MAX_EFFORT_SPEED_MPS (2:23/km) are
skipped. Pure: the importer stores each run's best times (`tools.fitness.activity_figures`), and
`tools.fitness.efforts` picks the athlete's best efforts among them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tools.fitness.vdot import HALF_MARATHON_M, MARATHON_M, MILE_M

STANDARD_EFFORTS_M: tuple[float, ...] = (MILE_M, 3_000.0, 5_000.0, 10_000.0, HALF_MARATHON_M, MARATHON_M)
MAX_EFFORT_SPEED_MPS = 7.0
MAX_STEP_SPEED_MPS = 10.0


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
