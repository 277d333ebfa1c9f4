"""Race-time predictions from one performance: Daniels–Gilbert (VDOT) and Riegel.

Riegel (P. S. Riegel, "Athletic records and human endurance", *American Scientist* 69, 1981):

    T₂ = T₁ · (D₂ / D₁)^k,   k = 1.06 by default

Riegel fitted k over events of roughly 3.5 to 230 minutes; it is a power law with no physiology, so it is
offered beside the VDOT prediction rather than instead of it. Both assume the athlete is as well trained
for the target distance as for the source one, which is rarely true for the marathon.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import TrainingInputError
from tools.fitness.vdot import HALF_MARATHON_M, MARATHON_M, race_time_for_vdot, vdot_from_race

RIEGEL_EXPONENT = 1.06
STANDARD_DISTANCES_M: tuple[float, ...] = (5_000.0, 10_000.0, HALF_MARATHON_M, MARATHON_M)


def riegel_time(
    distance_m: float, time_s: float, target_distance_m: float, exponent: float = RIEGEL_EXPONENT
) -> float:
    """Riegel's T₂ = T₁·(D₂/D₁)^k for a race of `distance_m` in `time_s` seconds."""
    for name, value in (("distance", distance_m), ("time", time_s), ("target distance", target_distance_m)):
        if not math.isfinite(value) or value <= 0:
            raise TrainingInputError(f"{name} must be a positive number, got {value}")
    if not 1.0 <= exponent <= 1.2:
        raise TrainingInputError(
            f"Riegel exponent must be between 1.0 and 1.2 (usually 1.06), got {exponent}"
        )
    return time_s * (target_distance_m / distance_m) ** exponent


@dataclass(frozen=True, slots=True)
class PredictedRace:
    distance_m: float
    daniels_s: float
    riegel_s: float


@dataclass(frozen=True, slots=True)
class RacePrediction:
    """VDOT of the source race and, for each target distance, the Daniels and the Riegel prediction."""

    distance_m: float
    time_s: float
    vdot: float
    riegel_exponent: float
    predictions: tuple[PredictedRace, ...]


def predict_races(
    distance_m: float,
    time_s: float,
    targets_m: Sequence[float] = STANDARD_DISTANCES_M,
    riegel_exponent: float = RIEGEL_EXPONENT,
) -> RacePrediction:
    """Predict times over `targets_m` from one race (`distance_m` metres in `time_s` seconds)."""
    vdot = vdot_from_race(distance_m, time_s)
    predictions = tuple(
        PredictedRace(
            distance_m=target,
            daniels_s=race_time_for_vdot(vdot, target),
            riegel_s=riegel_time(distance_m, time_s, target, riegel_exponent),
        )
        for target in targets_m
    )
    return RacePrediction(
        distance_m=distance_m,
        time_s=time_s,
        vdot=vdot,
        riegel_exponent=riegel_exponent,
        predictions=predictions,
    )
