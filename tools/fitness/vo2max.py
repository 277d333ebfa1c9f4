"""Effective VO2max of one run from its heart rate and pace, and the trend over many runs.

Method (documented for the athlete in `knowledge/corpus/how-runcoach-computes-vo2max-and-marathon-shape.md`):

1. Steady segments. The run after its first WARMUP_S seconds is cut into blocks of SEGMENT_S seconds. A block
   counts when it has heart rate and speed on ≥ 90 % of its seconds and no gap over MAX_GAP_S, its speed
   varies little (coefficient of variation ≤ MAX_SPEED_CV), the minute before it ran at nearly the same speed
   (within LEAD_SPEED_TOLERANCE — heart rate lags a change of pace by about a minute), it is flat
   (|mean grade| ≤ MAX_GRADE, when grades are known) and its speed is a running speed (MIN/MAX_SPEED).
2. Oxygen cost of the block's mean speed by Daniels–Gilbert (`vdot.oxygen_cost`): the same equation VDOT
   uses, so the estimate is on the VDOT scale ("effective": it includes running economy).
3. Fraction of VO2max from heart rate:
   - with a resting heart rate: %HRR = (HR − rest) / (max − rest), taken equal to %VO2R, the fraction of
     the VO2 reserve (Swain & Leutholtz 1997, the basis of ACSM's guidelines), so
     VO2max = 3.5 + (VO2 − 3.5) / %HRR   (3.5 ml·kg⁻¹·min⁻¹ = 1 MET at rest);
   - without: %HRmax = 0.6463 · %VO2max + 37.182 (Swain et al. 1994), solved for %VO2max.
   Blocks below MIN_FRACTION of the reserve are dropped (the relation is loose at low intensities; walking
   breaks), and so are blocks above MAX_FRACTION (near max, HR plateaus while VO2 still climbs).
4. The run's value is the duration-weighted median of its blocks, with at least MIN_STEADY_S of steady
   running; an implausible value (outside 20–90) is discarded.

Limits: heat, dehydration, caffeine, fatigue and cardiac drift raise heart rate at a given pace and lower
the estimate; a wrong max or resting heart rate shifts every value (the anchors say where theirs came from);
hills are excluded rather than modelled; wind and soft ground are not seen. Single runs scatter by a few
points — read the trend, not one run.

Trend: an ordinary least-squares line through (day, value) over the window, given as points per 30 days,
with the current value the median of the last CURRENT_RUNS runs.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from tools.fitness.vdot import oxygen_cost
from tools.statistics import MAX_GAP_S

WARMUP_S = 600.0
SEGMENT_S = 120.0
LEAD_S = 60.0
MIN_COVERAGE = 0.9
MAX_SPEED_CV = 0.06
LEAD_SPEED_TOLERANCE = 0.08
MAX_GRADE = 0.02
MIN_SPEED_MPS = 1.8
MAX_SPEED_MPS = 7.0
MIN_FRACTION = 0.50
MAX_FRACTION = 0.95
MIN_STEADY_S = 300.0
RESTING_VO2 = 3.5
PLAUSIBLE = (20.0, 90.0)
SWAIN_SLOPE = 0.6463
SWAIN_INTERCEPT = 37.182
CURRENT_RUNS = 5
MIN_TREND_RUNS = 3
MIN_TREND_DAYS = 14

HeartRateMethod = Literal["hrr", "hrmax"]


@dataclass(frozen=True, slots=True)
class Segment:
    """A steady block: its duration (s), mean speed (m/s) and mean heart rate (bpm)."""

    seconds: float
    speed_mps: float
    heart_rate: float


@dataclass(frozen=True, slots=True)
class RunEstimate:
    vo2max: float
    method: HeartRateMethod
    steady_s: float
    segments: int
    spread: float  # interquartile range of the segment values


@dataclass(frozen=True, slots=True)
class Trend:
    current: float
    slope_per_30d: float | None
    runs: int
    first_day: date
    last_day: date


def fraction_of_vo2max(
    heart_rate: float, max_hr: float, resting_hr: float | None
) -> tuple[float, HeartRateMethod]:
    """(fraction, method): %VO2R from %HRR when `resting_hr` is known, else %VO2max from %HRmax (Swain)."""
    if not (heart_rate > 0 and max_hr > 0):
        raise ValueError("heart rates must be positive")
    if resting_hr is not None:
        if not 0 < resting_hr < max_hr:
            raise ValueError("resting heart rate must be below max heart rate")
        return (heart_rate - resting_hr) / (max_hr - resting_hr), "hrr"
    percent_max = 100.0 * heart_rate / max_hr
    return (percent_max - SWAIN_INTERCEPT) / SWAIN_SLOPE / 100.0, "hrmax"


def vo2max_from_effort(
    speed_mps: float, heart_rate: float, max_hr: float, resting_hr: float | None
) -> float | None:
    """VO2max (ml·kg⁻¹·min⁻¹) implied by running at `speed_mps` at `heart_rate`, or None outside the range
    where the heart-rate relation holds (MIN_FRACTION–MAX_FRACTION)."""
    fraction, method = fraction_of_vo2max(heart_rate, max_hr, resting_hr)
    if not MIN_FRACTION <= fraction <= MAX_FRACTION:
        return None
    vo2 = oxygen_cost(speed_mps * 60.0)
    if method == "hrr":
        return RESTING_VO2 + (vo2 - RESTING_VO2) / fraction
    return vo2 / fraction


def heart_rate_for(speed_mps: float, vo2max: float, max_hr: float, resting_hr: float | None) -> float:
    """The inverse of `vo2max_from_effort`: the heart rate an athlete of `vo2max` shows at `speed_mps`."""
    vo2 = oxygen_cost(speed_mps * 60.0)
    if resting_hr is not None:
        fraction = (vo2 - RESTING_VO2) / (vo2max - RESTING_VO2)
        return resting_hr + fraction * (max_hr - resting_hr)
    return (SWAIN_SLOPE * 100.0 * vo2 / vo2max + SWAIN_INTERCEPT) / 100.0 * max_hr


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def steady_segments(
    timestamps_s: Sequence[float],
    speeds_mps: Sequence[float | None],
    heart_rates: Sequence[float | None],
    grades: Sequence[float | None] | None = None,
) -> list[Segment]:
    """The steady, flat blocks of a run (see the module docstring, step 1)."""
    n = len(timestamps_s)
    if n == 0:
        return []
    t0 = timestamps_s[0]
    found: list[Segment] = []
    i = 0
    lead_start = 0
    block_start = t0 + WARMUP_S
    while i < n and timestamps_s[i] < block_start:
        i += 1
    while i < n:
        block_end = block_start + SEGMENT_S
        j = i
        while j < n and timestamps_s[j] < block_end:
            j += 1
        while lead_start < i and timestamps_s[lead_start] < block_start - LEAD_S:
            lead_start += 1
        segment = _segment(timestamps_s, speeds_mps, heart_rates, grades, lead_start, i, j)
        if segment is not None:
            found.append(segment)
        if j >= n:
            break
        i = j
        block_start = block_end if timestamps_s[j] < block_end + SEGMENT_S else timestamps_s[j]
    return found


def _segment(
    t: Sequence[float],
    speeds: Sequence[float | None],
    hrs: Sequence[float | None],
    grades: Sequence[float | None] | None,
    lead: int,
    start: int,
    end: int,
) -> Segment | None:
    """The block t[start:end] as a Segment when it is steady (coverage is by time, so a watch on smart
    recording — a sample every few seconds — qualifies as well as one recording every second)."""
    if end - start < 2:
        return None
    if any(t[k + 1] - t[k] > MAX_GAP_S for k in range(start, end - 1)):
        return None
    last_step = min(t[end] - t[end - 1], MAX_GAP_S) if end < len(t) else 1.0
    seconds = t[end - 1] - t[start] + last_step
    if seconds < MIN_COVERAGE * SEGMENT_S:
        return None
    pairs = [
        (s, h)
        for s, h in zip(speeds[start:end], hrs[start:end], strict=True)
        if s is not None and h is not None
    ]
    if len(pairs) < MIN_COVERAGE * (end - start):
        return None
    speed_values = [s for s, _ in pairs]
    speed = _mean(speed_values)
    if not MIN_SPEED_MPS <= speed <= MAX_SPEED_MPS:
        return None
    if statistics.pstdev(speed_values) > MAX_SPEED_CV * speed:
        return None
    lead_speeds = [s for s in speeds[lead:start] if s is not None]
    lead_seconds = t[start] - t[lead] if lead < start else 0.0
    if lead_seconds < MIN_COVERAGE * LEAD_S or not lead_speeds:
        return None
    if abs(_mean(lead_speeds) - speed) > LEAD_SPEED_TOLERANCE * speed:
        return None
    if grades is not None:
        known = [g for g in grades[start:end] if g is not None]
        if known and abs(_mean(known)) > MAX_GRADE:
            return None
    return Segment(seconds=seconds, speed_mps=speed, heart_rate=_mean([h for _, h in pairs]))


def _weighted_median(values: Sequence[tuple[float, float]]) -> float:
    """Median of (value, weight) pairs: the value at which half of the weight lies below."""
    ordered = sorted(values)
    half = math.fsum(w for _, w in ordered) / 2.0
    running = 0.0
    for value, weight in ordered:
        running += weight
        if running >= half:
            return value
    return ordered[-1][0]


def estimate_run_vo2max(
    segments: Sequence[Segment], max_hr: float, resting_hr: float | None
) -> RunEstimate | None:
    """The run's effective VO2max from its steady segments (module docstring, steps 2–4), or None."""
    values: list[tuple[float, float]] = []
    method: HeartRateMethod = "hrr" if resting_hr is not None else "hrmax"
    for segment in segments:
        value = vo2max_from_effort(segment.speed_mps, segment.heart_rate, max_hr, resting_hr)
        if value is not None:
            values.append((value, segment.seconds))
    steady = math.fsum(w for _, w in values)
    if steady < MIN_STEADY_S:
        return None
    estimate = _weighted_median(values)
    if not PLAUSIBLE[0] <= estimate <= PLAUSIBLE[1]:
        return None
    only = sorted(v for v, _ in values)
    spread = 0.0
    if len(only) >= 4:
        quartiles = statistics.quantiles(only, n=4)
        spread = quartiles[2] - quartiles[0]
    return RunEstimate(vo2max=estimate, method=method, steady_s=steady, segments=len(values), spread=spread)


def vo2max_trend(points: Sequence[tuple[date, float]]) -> Trend | None:
    """Current value (median of the last CURRENT_RUNS) and least-squares slope per 30 days (None with fewer
    than MIN_TREND_RUNS runs or a span under MIN_TREND_DAYS days); None without points."""
    if not points:
        return None
    ordered = sorted(points)
    current = statistics.median(v for _, v in ordered[-CURRENT_RUNS:])
    first, last = ordered[0][0], ordered[-1][0]
    slope: float | None = None
    if len(ordered) >= MIN_TREND_RUNS and (last - first).days >= MIN_TREND_DAYS:
        xs = [(day - first).days for day, _ in ordered]
        ys = [v for _, v in ordered]
        mx, my = _mean(xs), _mean(ys)
        sxx = math.fsum((x - mx) ** 2 for x in xs)
        slope = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx * 30.0
    return Trend(current=current, slope_per_30d=slope, runs=len(ordered), first_day=first, last_day=last)
