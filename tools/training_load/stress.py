"""Training stress of one session: Banister TRIMP from heart rate, rTSS from grade-adjusted pace.

Banister TRIMP (E. W. Banister, "Modeling elite athletic performance", 1991; weighting from Morton,
Fitz-Clarke & Banister 1990):

    TRIMP = Σ Δtᵢ[min] · xᵢ · a·e^(b·xᵢ),   xᵢ = (HRᵢ − HRrest) / (HRmax − HRrest) clamped to [0, 1]
    men: a = 0.64, b = 1.92     women: a = 0.86, b = 1.67

Each sample lasts until the next one, capped at `max_gap_s` (a paused watch or a lost strap does not
count as minutes of effort); the last sample lasts 1 s, the per-second recording convention. Samples
without heart rate add nothing.

Grade-adjusted speed uses Minetti et al. (J Appl Physiol 93, 2002), the energy cost of running on a
gradient i (rise/run, valid −0.45…+0.45):

    C(i) = 155.4i⁵ − 30.4i⁴ − 43.3i³ + 46.3i² + 19.5i + 3.6   J·kg⁻¹·m⁻¹,   v_flat = v · C(i) / C(0)

Normalized graded pace follows TrainingPeaks' normalized power recipe on grade-adjusted speed: a 30-s
rolling mean, the fourth-power mean of that, its fourth root; NGP = 1000 / that speed (s/km).

rTSS (TrainingPeaks) = duration_h × IF² × 100 with IF = threshold pace / NGP (paces in s/km; a faster
NGP gives IF > 1). One hour at threshold pace is 100.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Literal

from core.errors import TrainingInputError
from tools.samples.spec import GRADE_HALF_SPAN, GRADE_MIN_DISTANCE_M
from tools.statistics import MAX_GAP_S, rolling_means

Sex = Literal["male", "female"]

TRIMP_WEIGHTS: dict[str, tuple[float, float]] = {"male": (0.64, 1.92), "female": (0.86, 1.67)}
LAST_SAMPLE_S = 1.0
MINETTI_GRADE_LIMIT = 0.45
NGP_SMOOTHING_S = 30


def _sample_durations(n: int, timestamps_s: Sequence[float] | None, max_gap_s: float) -> list[float]:
    if timestamps_s is None:
        return [min(1.0, max_gap_s)] * n
    if len(timestamps_s) != n:
        raise TrainingInputError(
            f"got {n} heart-rate samples but {len(timestamps_s)} timestamps; pass one per sample"
        )
    gaps = [later - earlier for earlier, later in itertools.pairwise(timestamps_s)]
    if any(gap < 0 or not math.isfinite(gap) for gap in gaps):
        raise TrainingInputError("timestamps must be finite and in non-decreasing order")
    return [min(gap, max_gap_s) for gap in gaps] + ([min(LAST_SAMPLE_S, max_gap_s)] if n else [])


def banister_trimp(
    heart_rates: Sequence[float | None],
    resting_hr: float,
    max_hr: float,
    sex: Sex,
    timestamps_s: Sequence[float] | None = None,
    max_gap_s: float = MAX_GAP_S,
) -> float:
    """Banister TRIMP of one session; `timestamps_s` (seconds, one per sample) default to 1 Hz samples."""
    if sex not in TRIMP_WEIGHTS:
        raise TrainingInputError(f"sex must be 'male' or 'female' for the TRIMP weighting, got {sex!r}")
    if not (math.isfinite(resting_hr) and math.isfinite(max_hr)) or not 0 < resting_hr < max_hr:
        raise TrainingInputError(f"need 0 < resting HR < max HR, got resting {resting_hr}, max {max_hr}")
    if not max_gap_s > 0:
        raise TrainingInputError(f"max_gap_s must be positive, got {max_gap_s}")
    a, b = TRIMP_WEIGHTS[sex]
    reserve = max_hr - resting_hr
    total = 0.0
    # a session has a few hundred distinct (heart rate, duration) pairs among thousands of samples: each
    # term is worked out once, by the same expression, and added in sample order (the same sum, bit for bit)
    terms: dict[tuple[float, float], float] = {}
    for hr, seconds in zip(
        heart_rates, _sample_durations(len(heart_rates), timestamps_s, max_gap_s), strict=True
    ):
        if hr is None:
            continue
        term = terms.get((hr, seconds))
        if term is None:
            if not math.isfinite(hr):
                continue
            x = min(1.0, max(0.0, (hr - resting_hr) / reserve))
            term = terms[hr, seconds] = seconds / 60.0 * x * a * math.exp(b * x)
        total += term
    return total


def minetti_cost(grade: float) -> float:
    """Energy cost of running (J·kg⁻¹·m⁻¹) at `grade` (rise/run), clamped to Minetti's ±0.45."""
    i = max(-MINETTI_GRADE_LIMIT, min(MINETTI_GRADE_LIMIT, grade))
    return 155.4 * i**5 - 30.4 * i**4 - 43.3 * i**3 + 46.3 * i**2 + 19.5 * i + 3.6


def grade_adjusted_speed(speed_m_s: float, grade: float) -> float:
    """Flat-ground speed with the same energy cost as `speed_m_s` on `grade`."""
    return speed_m_s * minetti_cost(grade) / minetti_cost(0.0)


def normalized_graded_pace(
    speeds_m_s: Sequence[float | None], grades: Sequence[float | None] | None = None
) -> float | None:
    """NGP in s/km from per-second speed (m/s) and grade (rise/run; missing grade = flat).

    Samples without speed are skipped. Returns None for fewer than 30 samples or no movement.
    """
    if grades is not None and len(grades) != len(speeds_m_s):
        raise TrainingInputError(
            f"got {len(speeds_m_s)} speeds but {len(grades)} grades; pass one per sample"
        )
    adjusted: list[float] = []
    for k, speed in enumerate(speeds_m_s):
        if speed is None or not math.isfinite(speed) or speed < 0:
            continue
        grade = grades[k] if grades is not None else None
        adjusted.append(
            grade_adjusted_speed(speed, grade if grade is not None and math.isfinite(grade) else 0.0)
        )
    smoothed = rolling_means(adjusted, NGP_SMOOTHING_S)
    if not smoothed:
        return None
    normalized = (math.fsum(v**4 for v in smoothed) / len(smoothed)) ** 0.25
    return 1000.0 / normalized if normalized > 0 else None


def running_intensity_factor(ngp_s_per_km: float, threshold_pace_s_per_km: float) -> float:
    """IF = threshold pace / NGP (both s/km)."""
    for name, value in (("NGP", ngp_s_per_km), ("threshold pace", threshold_pace_s_per_km)):
        if not math.isfinite(value) or value <= 0:
            raise TrainingInputError(f"{name} must be a positive pace in s/km, got {value}")
    return threshold_pace_s_per_km / ngp_s_per_km


def rtss(duration_s: float, ngp_s_per_km: float, threshold_pace_s_per_km: float) -> float:
    """Running TSS = duration_h × IF² × 100."""
    if not math.isfinite(duration_s) or duration_s < 0:
        raise TrainingInputError(f"duration must be a non-negative number of seconds, got {duration_s}")
    intensity = running_intensity_factor(ngp_s_per_km, threshold_pace_s_per_km)
    return duration_s / 3600.0 * intensity**2 * 100.0


def centred_grades(
    altitude_m: Sequence[float | None], distance_m: Sequence[float | None]
) -> list[float | None]:
    """Grade (rise/run) of each sample from the samples GRADE_HALF_SPAN before and after it; None near the
    ends, where data is missing, or when they are less than GRADE_MIN_DISTANCE_M apart."""
    n = len(altitude_m)
    grades: list[float | None] = []
    for i in range(n):
        a, b = i - GRADE_HALF_SPAN, i + GRADE_HALF_SPAN
        if a < 0 or b >= n:
            grades.append(None)
            continue
        alt_a, alt_b, d_a, d_b = altitude_m[a], altitude_m[b], distance_m[a], distance_m[b]
        if alt_a is None or alt_b is None or d_a is None or d_b is None or d_b - d_a < GRADE_MIN_DISTANCE_M:
            grades.append(None)
            continue
        grades.append((alt_b - alt_a) / (d_b - d_a))
    return grades
