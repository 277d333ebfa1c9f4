"""Marathon shape: how ready the athlete's recent training makes them for a marathon at their fitness, in %.

The idea comes from Runalyze's "marathon shape" (a VO2max-equivalent prediction holds for the marathon
only with the endurance base behind it); the formula here is RunCoach's own, stated in full:

    weekly target   W*(v) = v^1.135 km                       (v = VDOT / effective VO2max; 50 → 85 km)
    long-run target L*(v) = min(32 km, 150 min at the E pace of v)     (Daniels' 150-min cap on long runs)

    volume score    S_w = min(1, mean weekly km over the last VOLUME_WEEKS weeks / W*)
    long-run score  S_l = min(1, Σ over runs of the last LONG_RUN_DAYS days with d ≥ 60 % L* of
                                 min(1, d / L*)²  ÷  LONG_RUNS_NEEDED)
    shape           = 100 % × (2/3 · S_w + 1/3 · S_l)

So a VDOT-50 runner at 85 km a week with four 29-km long runs in the last ten weeks is at 100 %; half the
volume and two 22-km long runs give 2/3·0.5 + 1/3·(2·0.58/4) ≈ 43 %. The square makes a long run of
80 % of the target count 64 %, not 80 %: the last kilometres of a long run are what a marathon asks for.

Reading it: ≥ 90 % ready to race the VDOT-equivalent marathon time; 70–90 % a marathon is doable but
expect to run slower than that time; < 70 % not marathon-ready yet. It says nothing about shorter races.
Limits: only running counts (cross-training is not marathon-specific); volume is distance, so a trail
runner with lots of climbing is under-credited; the exponent and the targets are rules of thumb, not
measurements, and a high-VDOT runner's target of 100+ km a week may exceed what they need.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from core.errors import TrainingInputError
from tools.fitness.vdot import MAX_VDOT, MIN_VDOT, training_paces

WEEKLY_EXPONENT = 1.135
LONG_RUN_CAP_KM = 32.0
LONG_RUN_CAP_MIN = 150.0
LONG_RUN_FLOOR_SHARE = 0.6
LONG_RUNS_NEEDED = 4
VOLUME_WEEKS = 8
LONG_RUN_DAYS = 70
VOLUME_WEIGHT = 2.0 / 3.0
READY = 90.0
POSSIBLE = 70.0

ShapeLabel = Literal["ready", "possible", "not_ready"]


@dataclass(frozen=True, slots=True)
class MarathonShape:
    percent: float
    label: ShapeLabel
    weekly_target_km: float
    long_run_target_km: float
    weekly_km: float
    volume_score: float
    long_run_score: float
    counted_long_runs: int


def _check(vdot: float) -> None:
    if not math.isfinite(vdot) or not MIN_VDOT <= vdot <= MAX_VDOT:
        raise TrainingInputError(f"VDOT must be between {MIN_VDOT:g} and {MAX_VDOT:g}, got {vdot}")


def weekly_target_km(vdot: float) -> float:
    """W*(v) = v^1.135 km a week."""
    _check(vdot)
    return float(vdot**WEEKLY_EXPONENT)


def long_run_target_km(vdot: float) -> float:
    """L*(v) = min(32 km, the distance of 150 minutes at the middle of the E pace range)."""
    paces = training_paces(vdot)
    return min(LONG_RUN_CAP_KM, LONG_RUN_CAP_MIN * 60.0 / paces.easy_mid_s_per_km)


def long_run_credit(distance_km: float, target_km: float) -> float:
    """How much one run counts towards the long-run score: 0 under 60 % of the target, else min(1, d/L*)²."""
    if distance_km < LONG_RUN_FLOOR_SHARE * target_km:
        return 0.0
    return min(1.0, distance_km / target_km) ** 2


def label_for(percent: float) -> ShapeLabel:
    if percent >= READY:
        return "ready"
    if percent >= POSSIBLE:
        return "possible"
    return "not_ready"


def marathon_shape(vdot: float, weekly_kms: Sequence[float], run_kms: Sequence[float]) -> MarathonShape:
    """The shape from `vdot`, the last VOLUME_WEEKS weekly running volumes (km) and the distances (km) of
    the runs of the last LONG_RUN_DAYS days (see the module docstring)."""
    if not weekly_kms:
        raise TrainingInputError("marathon shape needs at least one week of running volume")
    if any(not math.isfinite(k) or k < 0 for k in (*weekly_kms, *run_kms)):
        raise TrainingInputError("volumes and distances must be non-negative numbers")
    w_target = weekly_target_km(vdot)
    l_target = long_run_target_km(vdot)
    weekly = math.fsum(weekly_kms) / len(weekly_kms)
    volume_score = min(1.0, weekly / w_target)
    credits = [long_run_credit(d, l_target) for d in run_kms]
    long_score = min(1.0, math.fsum(credits) / LONG_RUNS_NEEDED)
    percent = 100.0 * (VOLUME_WEIGHT * volume_score + (1.0 - VOLUME_WEIGHT) * long_score)
    return MarathonShape(
        percent=percent,
        label=label_for(percent),
        weekly_target_km=w_target,
        long_run_target_km=l_target,
        weekly_km=weekly,
        volume_score=volume_score,
        long_run_score=long_score,
        counted_long_runs=sum(1 for c in credits if c > 0),
    )
