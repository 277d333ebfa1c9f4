"""Training load over days: CTL/ATL/TSB, acute:chronic workload ratio, monotony and strain.

Every function works on a contiguous daily series; `daily_loads` builds one from per-activity loads,
summing activities of the same day and filling days without training with 0 (a rest day is a load of 0,
not a missing value — leaving it out would inflate every average).

Fitness / fatigue / form (Banister's impulse–response model as TrainingPeaks implements it):

    CTL(d) = CTL(d−1) + (load(d) − CTL(d−1)) / 42        chronic training load, "fitness"
    ATL(d) = ATL(d−1) + (load(d) − ATL(d−1)) / 7         acute training load, "fatigue"
    TSB(d) = CTL(d−1) − ATL(d−1)                          form, from *yesterday's* values

TSB uses yesterday's CTL and ATL, as TrainingPeaks does: today's form is what you bring into today's
session, before its load. With loads ≥ 0, CTL and ATL stay between 0 and the largest load seen (each
step is a convex combination), and a constant load L makes both converge to L.

Acute:chronic workload ratio (Gabbett 2016; EWMA variant Williams et al. 2017):
- rolling (coupled): mean of the last 7 days / mean of the last 28 days (the 28 include the 7);
- EWMA: λ = 2 / (N + 1) with N = 7 and 28; EWMA(d) = λ·load(d) + (1 − λ)·EWMA(d−1), seeded with 0.
A ratio needs 28 days of history and a chronic load above 0; otherwise it is None.

Monotony and strain (Foster 1998): monotony = mean / standard deviation of the 7 daily loads of a week
(population SD); strain = weekly total × monotony. Both are None when the SD is 0 (a perfectly constant
week has no defined monotony).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from core.errors import TrainingInputError

CTL_DAYS = 42
ATL_DAYS = 7
ACUTE_DAYS = 7
CHRONIC_DAYS = 28
WEEK_DAYS = 7


@dataclass(frozen=True, slots=True)
class DailyLoad:
    day: date
    load: float


@dataclass(frozen=True, slots=True)
class FitnessPoint:
    day: date
    load: float
    ctl: float
    atl: float
    tsb: float


def _check_load(value: float) -> None:
    if not math.isfinite(value) or value < 0:
        raise TrainingInputError(f"training loads must be finite and ≥ 0, got {value}")


def daily_loads(
    activity_loads: Iterable[tuple[date, float]], start: date | None = None, end: date | None = None
) -> list[DailyLoad]:
    """One entry per calendar day from `start` to `end` (default: first/last activity), 0 on empty days.

    Activities outside [start, end] are ignored; activities on the same day are summed.
    """
    totals: dict[date, float] = {}
    for day, load in activity_loads:
        _check_load(load)
        totals[day] = totals.get(day, 0.0) + load
    if start is None or end is None:
        if not totals:
            return []
        start = start or min(totals)
        end = end or max(totals)
    if end < start:
        raise TrainingInputError(f"end date {end} is before start date {start}")
    return [
        DailyLoad(day, totals.get(day, 0.0))
        for day in (start + timedelta(days=k) for k in range((end - start).days + 1))
    ]


def fitness_fatigue(
    series: Sequence[DailyLoad],
    initial_ctl: float = 0.0,
    initial_atl: float = 0.0,
    ctl_days: int = CTL_DAYS,
    atl_days: int = ATL_DAYS,
) -> list[FitnessPoint]:
    """CTL, ATL and TSB for each day of a contiguous daily series (see the module docstring)."""
    if ctl_days < 1 or atl_days < 1:
        raise TrainingInputError("CTL and ATL time constants must be at least 1 day")
    _check_load(initial_ctl)
    _check_load(initial_atl)
    for earlier, later in itertools.pairwise(series):
        if later.day - earlier.day != timedelta(days=1):
            raise TrainingInputError(
                f"daily series must be contiguous, got {earlier.day} then {later.day}; "
                "build it with daily_loads()"
            )
    ctl, atl = initial_ctl, initial_atl
    points = []
    for entry in series:
        _check_load(entry.load)
        tsb = ctl - atl
        ctl += (entry.load - ctl) / ctl_days
        atl += (entry.load - atl) / atl_days
        points.append(FitnessPoint(entry.day, entry.load, ctl, atl, tsb))
    return points


def acute_chronic_ratios(
    loads: Sequence[float],
    method: Literal["rolling", "ewma"] = "rolling",
    acute_days: int = ACUTE_DAYS,
    chronic_days: int = CHRONIC_DAYS,
) -> list[float | None]:
    """ACWR for each day of a contiguous daily load series (oldest first); None until defined."""
    if not 1 <= acute_days < chronic_days:
        raise TrainingInputError(f"need 1 ≤ acute days < chronic days, got {acute_days} and {chronic_days}")
    for load in loads:
        _check_load(load)
    ratios: list[float | None] = []
    if method == "rolling":
        for k in range(len(loads)):
            if k + 1 < chronic_days:
                ratios.append(None)
                continue
            acute = math.fsum(loads[k + 1 - acute_days : k + 1]) / acute_days
            chronic = math.fsum(loads[k + 1 - chronic_days : k + 1]) / chronic_days
            ratios.append(acute / chronic if chronic > 0 else None)
        return ratios
    if method == "ewma":
        acute_lambda, chronic_lambda = 2.0 / (acute_days + 1), 2.0 / (chronic_days + 1)
        acute = chronic = 0.0
        for k, load in enumerate(loads):
            acute = acute_lambda * load + (1 - acute_lambda) * acute
            chronic = chronic_lambda * load + (1 - chronic_lambda) * chronic
            ratios.append(acute / chronic if k + 1 >= chronic_days and chronic > 0 else None)
        return ratios
    raise TrainingInputError(f"method must be 'rolling' or 'ewma', got {method!r}")


def monotony(week: Sequence[float]) -> float | None:
    """Foster monotony of the 7 daily loads in `week`: mean / population SD (None if SD is 0)."""
    if len(week) != WEEK_DAYS:
        raise TrainingInputError(f"monotony needs the 7 daily loads of a week, got {len(week)} values")
    for load in week:
        _check_load(load)
    spread = statistics.pstdev(week)
    return statistics.fmean(week) / spread if spread > 0 else None


def strain(week: Sequence[float]) -> float | None:
    """Foster strain: weekly total load × monotony (None if monotony is undefined)."""
    value = monotony(week)
    return math.fsum(week) * value if value is not None else None
