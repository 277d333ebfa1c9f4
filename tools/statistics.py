"""Small statistics over plain sequences of numbers (per-second samples, daily loads).

numpy is not a dependency, so the few operations the science needs live here, each O(n) or O(n·w) with a
small window: trailing rolling means, the best rolling mean, a centred rolling median (spike removal) and
a linearly interpolated percentile (the same definition as numpy's default, "linear", method 7 of
Hyndman & Fan 1996).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from core.errors import TrainingInputError

#: a gap between consecutive samples counts for at most this long (a paused or stopped watch adds no time)
MAX_GAP_S = 10.0


def _check_window(window: int) -> None:
    if window < 1:
        raise TrainingInputError(f"window must be at least 1 sample, got {window}")


def rolling_means(values: Sequence[float], window: int) -> list[float]:
    """Means of every full trailing window: element k is mean(values[k : k + window]).

    Returns an empty list when there are fewer values than the window.
    """
    _check_window(window)
    if len(values) < window:
        return []
    total = math.fsum(values[:window])
    means = [total / window]
    for k in range(window, len(values)):
        total += values[k] - values[k - window]
        means.append(total / window)
    return means


def best_rolling_mean(values: Sequence[float], window: int) -> float | None:
    """The highest mean over any `window` consecutive values, or None if the series is shorter."""
    means = rolling_means(values, window)
    return max(means) if means else None


def rolling_medians(values: Sequence[float], window: int) -> list[float]:
    """Centred rolling median (window clipped at the ends); same length as `values`.

    With an odd window w, any run of at most (w - 1) // 2 outlying samples is removed, which is how
    isolated heart-rate spikes from a chest strap or optical sensor are ignored.
    """
    _check_window(window)
    half = window // 2
    n = len(values)
    out = []
    for k in range(n):  # statistics.median's definition, without its per-call overhead (O(n) for a fixed w)
        ordered = sorted(values[max(0, k - half) : min(n, k + half + 1)])
        mid = len(ordered) // 2
        out.append(ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2)
    return out


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0 ≤ q ≤ 100) with linear interpolation between order statistics."""
    if not values:
        raise TrainingInputError("percentile of an empty sequence is undefined; pass at least one value")
    if not 0.0 <= q <= 100.0:
        raise TrainingInputError(f"percentile must be between 0 and 100, got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    fraction = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * fraction
