"""Heart-rate and pace zones, and estimating the anchors (max HR, LTHR, threshold pace) from own data.

Zone systems
- % of max HR: five zones at 50/60/70/80/90/100 % HRmax (the common 5-zone model used by Garmin & co).
- Heart-rate reserve (Karvonen, 1957): bpm = HRrest + f·(HRmax − HRrest) at the same fractions.
- LTHR, running (Joe Friel, *The Triathlete's Training Bible*): Z1 < 85 %, Z2 85–89 %, Z3 90–94 %,
  Z4 95–99 %, Z5a 100–102 %, Z5b 103–106 %, Z5c > 106 % of LTHR. Friel prints whole percentages; here the
  zones are contiguous on the real line (Z2 = [85 %, 90 %), …).
- Pace (Friel, run pace zones as % of threshold pace — a larger % is slower): Z1 > 129 %, Z2 114–129 %,
  Z3 106–113 %, Z4 101–105 %, Z5a 97–100 %, Z5b 90–96 %, Z5c < 90 %; made contiguous the same way.
  Threshold pace may come from VDOT (Daniels T pace, see `vdot.py`).

Open-ended zones have `None` for the open bound. HR zones are in bpm, pace zones in s/km.

Estimators (inputs: per-second samples, one sequence per activity, `None` where the sensor had nothing)
- Max HR: samples outside 30–230 bpm are dropped; a centred 5-s rolling median removes spikes of up to
  2 s; the peak of each activity is its highest smoothed value; the estimate is a high percentile (90th)
  of those peaks, so a single activity with a stuck or cadence-locked sensor does not set max HR. It is
  the highest HR the athlete has *reliably reached*: it underestimates true max unless the activities
  include maximal efforts.
- LTHR: the best rolling average HR over `window_s` (20 min) × `factor`. With the defaults (20 min ×
  0.95) this is the 20-minute field test used by TrainingPeaks/Allen & Coggan; Friel's 30-minute solo time
  trial (average of the last 20 minutes = LTHR) corresponds to `factor=1.0` on the test activity alone.
- Threshold pace: either Daniels T pace for the VDOT of the best efforts, or the best rolling average
  speed over `window_s` (30 min) turned into a VDOT (a maximal effort of that length) and then into T pace.
  Both assume the best window was run hard; from easy running alone they are too slow.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import TrainingInputError
from tools.fitness.vdot import MIN_VDOT, training_paces, vdot_from_race
from tools.statistics import MAX_GAP_S, best_rolling_mean, percentile, rolling_medians

PERCENT_MAX_BOUNDS: tuple[float, ...] = (0.50, 0.60, 0.70, 0.80, 0.90, 1.00)
FRIEL_LTHR_BOUNDS: tuple[float, ...] = (0.85, 0.90, 0.95, 1.00, 1.03, 1.06)
FRIEL_LTHR_NAMES: tuple[str, ...] = ("Z1", "Z2", "Z3", "Z4", "Z5a", "Z5b", "Z5c")
# Boundaries of the pace zones as multiples of threshold pace, slow to fast.
FRIEL_PACE_BOUNDS: tuple[float, ...] = (1.29, 1.14, 1.06, 1.01, 0.97, 0.90)
FRIEL_PACE_NAMES = FRIEL_LTHR_NAMES

PLAUSIBLE_HR = (30.0, 230.0)
SPIKE_WINDOW_S = 5
MAX_HR_PERCENTILE = 90.0
LTHR_WINDOW_S = 20 * 60
LTHR_FACTOR = 0.95
THRESHOLD_WINDOW_S = 30 * 60
MIN_RUNNING_SPEED_M_S = 1.5


@dataclass(frozen=True, slots=True)
class HeartRateZone:
    name: str
    low_bpm: float | None
    high_bpm: float | None


@dataclass(frozen=True, slots=True)
class PaceZone:
    name: str
    slowest_s_per_km: float | None
    fastest_s_per_km: float | None


def _check_bpm(name: str, value: float) -> None:
    if not math.isfinite(value) or not PLAUSIBLE_HR[0] <= value <= PLAUSIBLE_HR[1]:
        raise TrainingInputError(
            f"{name} must be between {PLAUSIBLE_HR[0]:g} and {PLAUSIBLE_HR[1]:g} bpm, got {value}"
        )


def _check_bounds(bounds: Sequence[float]) -> None:
    if len(bounds) < 2 or any(b <= a for a, b in itertools.pairwise(bounds)) or bounds[0] < 0:
        raise TrainingInputError(
            f"zone bounds must be at least two increasing non-negative fractions, got {bounds}"
        )


def max_hr_zones(max_hr: float, bounds: Sequence[float] = PERCENT_MAX_BOUNDS) -> list[HeartRateZone]:
    """Zones Z1… between consecutive `bounds` × max HR (default 50/60/70/80/90/100 %)."""
    _check_bpm("max HR", max_hr)
    _check_bounds(bounds)
    return [
        HeartRateZone(f"Z{i + 1}", low * max_hr, high * max_hr)
        for i, (low, high) in enumerate(itertools.pairwise(bounds))
    ]


def heart_rate_reserve_zones(
    max_hr: float, resting_hr: float, bounds: Sequence[float] = PERCENT_MAX_BOUNDS
) -> list[HeartRateZone]:
    """Karvonen zones: resting + f·(max − resting) for each fraction f in `bounds`."""
    _check_bpm("max HR", max_hr)
    _check_bpm("resting HR", resting_hr)
    if resting_hr >= max_hr:
        raise TrainingInputError(f"resting HR ({resting_hr:g}) must be below max HR ({max_hr:g})")
    _check_bounds(bounds)
    reserve = max_hr - resting_hr
    return [
        HeartRateZone(f"Z{i + 1}", resting_hr + low * reserve, resting_hr + high * reserve)
        for i, (low, high) in enumerate(itertools.pairwise(bounds))
    ]


def lthr_zones(lthr: float) -> list[HeartRateZone]:
    """Friel's seven running zones from lactate-threshold heart rate (Z1 and Z5c open-ended)."""
    _check_bpm("LTHR", lthr)
    edges: list[float | None] = [None, *(f * lthr for f in FRIEL_LTHR_BOUNDS), None]
    return [HeartRateZone(name, edges[i], edges[i + 1]) for i, name in enumerate(FRIEL_LTHR_NAMES)]


def pace_zones(threshold_pace_s_per_km: float) -> list[PaceZone]:
    """Friel's seven run pace zones from threshold pace, slowest (Z1) to fastest (Z5c)."""
    if not math.isfinite(threshold_pace_s_per_km) or not 120.0 <= threshold_pace_s_per_km <= 900.0:
        raise TrainingInputError(
            "threshold pace must be between 2:00 and 15:00 per km (120–900 s/km), "
            f"got {threshold_pace_s_per_km}"
        )
    edges: list[float | None] = [None, *(f * threshold_pace_s_per_km for f in FRIEL_PACE_BOUNDS), None]
    return [PaceZone(name, edges[i], edges[i + 1]) for i, name in enumerate(FRIEL_PACE_NAMES)]


def vdot_pace_zones(vdot: float) -> list[PaceZone]:
    """Pace zones anchored on Daniels T pace for `vdot`."""
    return pace_zones(training_paces(vdot).threshold_s_per_km)


def _clean_hr(samples: Sequence[float | None]) -> list[float]:
    low, high = PLAUSIBLE_HR
    return [s for s in samples if s is not None and math.isfinite(s) and low <= s <= high]


def estimate_max_hr(
    activities: Sequence[Sequence[float | None]],
    spike_window_s: int = SPIKE_WINDOW_S,
    q: float = MAX_HR_PERCENTILE,
) -> float | None:
    """Highest reliably reached HR over per-second HR `activities`, or None without any HR data."""
    peaks = [max(rolling_medians(clean, spike_window_s)) for clean in map(_clean_hr, activities) if clean]
    return percentile(peaks, q) if peaks else None


def estimate_lthr(
    activities: Sequence[Sequence[float | None]],
    window_s: int = LTHR_WINDOW_S,
    factor: float = LTHR_FACTOR,
) -> float | None:
    """Best `window_s` rolling average HR across `activities` × `factor`; None if none is long enough."""
    if not 0.8 <= factor <= 1.05:
        raise TrainingInputError(f"LTHR factor must be between 0.8 and 1.05 (usually 0.95–1.0), got {factor}")
    bests = [
        best
        for clean in map(_clean_hr, activities)
        if (best := best_rolling_mean(clean, window_s)) is not None
    ]
    return max(bests) * factor if bests else None


def threshold_pace_from_efforts(efforts: Sequence[tuple[float, float]]) -> float | None:
    """Daniels T pace (s/km) for the highest VDOT among (distance_m, time_s) best efforts."""
    if not efforts:
        return None
    best_vdot = max(vdot_from_race(distance, time) for distance, time in efforts)
    return training_paces(best_vdot).threshold_s_per_km


def estimate_threshold_pace(
    speed_activities: Sequence[Sequence[float | None]], window_s: int = THRESHOLD_WINDOW_S
) -> float | None:
    """T pace (s/km) from the best `window_s` rolling average speed (m/s, per second) across activities.

    The best window is treated as a maximal effort of that duration: its VDOT gives the T pace, so a
    30-minute window and a 60-minute window of equally good running give the same answer.
    """
    bests = [
        best
        for activity in speed_activities
        if (
            best := best_rolling_mean(
                [s for s in activity if s is not None and math.isfinite(s) and s >= 0], window_s
            )
        )
        is not None
    ]
    if not bests:
        return None
    distance_m = max(bests) * window_s
    if distance_m / window_s < MIN_RUNNING_SPEED_M_S:
        return None  # the best window is walking pace: no threshold can be read from it
    vdot = vdot_from_race(distance_m, float(window_s))
    return training_paces(vdot).threshold_s_per_km if vdot >= MIN_VDOT else None


def zone_of(hr: float, zones: Sequence[HeartRateZone]) -> int | None:
    for index, zone in enumerate(zones):
        if (zone.low_bpm is None or hr >= zone.low_bpm) and (zone.high_bpm is None or hr < zone.high_bpm):
            return index
    if zones and zones[-1].high_bpm is not None and hr >= zones[-1].high_bpm:
        return len(zones) - 1  # above max HR still counts as the top zone
    return None


def time_in_zones(t: Sequence[float], hr: Sequence[Any], zones: Sequence[HeartRateZone]) -> list[float]:
    """Seconds per zone (pure): each gap to the next sample, capped at MAX_GAP_S, counts for this sample."""
    seconds = [0.0] * len(zones)
    zone_by_value: dict[Any, int | None] = {}  # heart rates repeat: each value's zone is looked up once
    for i in range(len(t) - 1):
        value = hr[i]
        if value is None:
            continue
        if value in zone_by_value:
            index = zone_by_value[value]
        else:
            index = zone_by_value[value] = zone_of(float(value), zones)
        if index is not None:
            seconds[index] += min(max(t[i + 1] - t[i], 0.0), MAX_GAP_S)
    return seconds
