"""Daniels–Gilbert VDOT: fitness from a race, equivalent race times and training paces.

Source: J. Daniels & J. Gilbert, *Oxygen Power: Performance Tables for Distance Runners* (1979), the model
behind the tables of *Daniels' Running Formula* (3rd ed., 2014). With v the race speed in m/min and t the
race time in minutes:

    oxygen cost      VO2(v)  = -4.60 + 0.182258·v + 0.000104·v²              (ml·kg⁻¹·min⁻¹)
    sustainable %    F(t)    = 0.8 + 0.1894393·e^(-0.012778·t) + 0.2989558·e^(-0.1932605·t)
    VDOT                     = VO2(d / t) / F(t)

An equivalent performance over another distance is the time at which that distance gives the same VDOT
(found by bisection; VDOT falls strictly as the time grows over every running speed).

Training paces follow Daniels' intensities, as fractions of VDOT turned back into a speed through the
inverse of the oxygen-cost equation:

    E (easy, a range)   65 % – 74 % of VDOT     (Daniels: 59–74 %; the tables print 65–74 %)
    M (marathon)        the equivalent marathon race pace
    T (threshold)       88 % of VDOT
    I (interval)        97.5 % of VDOT          (≈ a race of 11–12 min, just under vVO2max)
    R (repetition)      the equivalent mile race pace (Daniels: "about current mile race pace")

These fractions reproduce the published tables to within a second or two per km (e.g. VDOT 50:
E 4:54–5:26, M 4:31, T 4:15, I 3:55 /km, R 87 s per 400 m against the table's 88).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.errors import TrainingInputError

MARATHON_M = 42_195.0
HALF_MARATHON_M = 21_097.5
MILE_M = 1_609.344

# Oxygen cost VO2 = A·v² + B·v + C (v in m/min).
_A = 0.000104
_B = 0.182258
_C = -4.60

EASY_SLOW_FRACTION = 0.65
EASY_FAST_FRACTION = 0.74
THRESHOLD_FRACTION = 0.88
INTERVAL_FRACTION = 0.975

MIN_VDOT = 10.0
MAX_VDOT = 100.0

# Speeds (m/min) at which the model is meaningful: from a brisk walk to faster than any world record.
_MIN_SPEED = 60.0
_MAX_SPEED = 720.0


def _require_positive(name: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise TrainingInputError(f"{name} must be a positive number, got {value}")


def oxygen_cost(speed_m_per_min: float) -> float:
    """VO2 (ml·kg⁻¹·min⁻¹) needed to run at `speed_m_per_min`: -4.60 + 0.182258·v + 0.000104·v²."""
    return _C + _B * speed_m_per_min + _A * speed_m_per_min**2


def speed_for_oxygen_cost(vo2: float) -> float:
    """Inverse of `oxygen_cost`: the speed (m/min) whose oxygen cost is `vo2` (positive root)."""
    _require_positive("VO2", vo2)
    return (-_B + math.sqrt(_B**2 - 4 * _A * (_C - vo2))) / (2 * _A)


def sustainable_fraction(duration_min: float) -> float:
    """Fraction of VO2max sustainable for a race of `duration_min` minutes (Daniels–Gilbert)."""
    _require_positive("race duration", duration_min)
    return (
        0.8 + 0.1894393 * math.exp(-0.012778 * duration_min) + 0.2989558 * math.exp(-0.1932605 * duration_min)
    )


def vdot_from_race(distance_m: float, time_s: float) -> float:
    """VDOT of a race of `distance_m` metres run in `time_s` seconds.

    Raises TrainingInputError for non-positive inputs or a speed outside 1–12 m/s (3.6–43 km/h), where
    the oxygen-cost equation no longer describes running.
    """
    _require_positive("race distance (m)", distance_m)
    _require_positive("race time (s)", time_s)
    minutes = time_s / 60.0
    speed = distance_m / minutes
    if not _MIN_SPEED <= speed <= _MAX_SPEED:
        raise TrainingInputError(
            f"{distance_m:g} m in {time_s:g} s is {speed / 60:.2f} m/s; VDOT needs a running speed between "
            f"{_MIN_SPEED / 60:g} and {_MAX_SPEED / 60:g} m/s — check the distance unit (metres) and time (s)"
        )
    return oxygen_cost(speed) / sustainable_fraction(minutes)


def _check_vdot(vdot: float) -> None:
    if not math.isfinite(vdot) or not MIN_VDOT <= vdot <= MAX_VDOT:
        raise TrainingInputError(f"VDOT must be between {MIN_VDOT:g} and {MAX_VDOT:g}, got {vdot}")


def race_time_for_vdot(vdot: float, distance_m: float) -> float:
    """Race time (s) over `distance_m` that corresponds to `vdot` (bisection on the time, to 1 ppb)."""
    _check_vdot(vdot)
    _require_positive("race distance (m)", distance_m)

    def vdot_at(time_s: float) -> float:
        minutes = time_s / 60.0
        return oxygen_cost(distance_m / minutes) / sustainable_fraction(minutes)

    fast = distance_m / _MAX_SPEED * 60.0
    slow = distance_m / _MIN_SPEED * 60.0
    if not vdot_at(slow) <= vdot <= vdot_at(fast):
        raise TrainingInputError(
            f"VDOT {vdot:g} over {distance_m:g} m implies a speed outside what the model describes; "
            "use a distance between 800 m and an ultra marathon"
        )
    while slow - fast > 1e-9 * slow:
        middle = (fast + slow) / 2.0
        if vdot_at(middle) > vdot:
            fast = middle
        else:
            slow = middle
    return (fast + slow) / 2.0


def equivalent_race_time(distance_m: float, time_s: float, target_distance_m: float) -> float:
    """Time (s) over `target_distance_m` equivalent to running `distance_m` in `time_s` (same VDOT)."""
    return race_time_for_vdot(vdot_from_race(distance_m, time_s), target_distance_m)


def pace_at_fraction(vdot: float, fraction: float) -> float:
    """Pace (s/km) whose oxygen cost is `fraction` × `vdot`."""
    _check_vdot(vdot)
    _require_positive("fraction of VDOT", fraction)
    return 60_000.0 / speed_for_oxygen_cost(vdot * fraction)


@dataclass(frozen=True, slots=True)
class TrainingPaces:
    """Daniels training paces in seconds per km (a smaller number is faster)."""

    vdot: float
    easy_slow_s_per_km: float
    easy_fast_s_per_km: float
    marathon_s_per_km: float
    threshold_s_per_km: float
    interval_s_per_km: float
    repetition_s_per_km: float

    @property
    def easy_mid_s_per_km(self) -> float:
        return (self.easy_slow_s_per_km + self.easy_fast_s_per_km) / 2.0


def training_paces(vdot: float) -> TrainingPaces:
    """E (range), M, T, I and R paces in s/km for `vdot`; see the module docstring for the fractions."""
    _check_vdot(vdot)
    return TrainingPaces(
        vdot=vdot,
        easy_slow_s_per_km=pace_at_fraction(vdot, EASY_SLOW_FRACTION),
        easy_fast_s_per_km=pace_at_fraction(vdot, EASY_FAST_FRACTION),
        marathon_s_per_km=race_time_for_vdot(vdot, MARATHON_M) / (MARATHON_M / 1000.0),
        threshold_s_per_km=pace_at_fraction(vdot, THRESHOLD_FRACTION),
        interval_s_per_km=pace_at_fraction(vdot, INTERVAL_FRACTION),
        repetition_s_per_km=race_time_for_vdot(vdot, MILE_M) / (MILE_M / 1000.0),
    )
