"""Planned vs done: how well a run executed its planned workout, from its per-second samples. Pure.

The workout's steps (repeats expanded) are laid over the samples in order: a step ends when its time or
distance is covered (a lap-button step after its estimated time); the last step takes whatever is left
(a longer cool-down). Time in target is the sum of the gaps to the next sample (each capped at MAX_GAP_S,
so a paused watch adds nothing) while the pace — or the heart rate, for heart-rate targets — was inside the
step's range, widened by PACE_TOLERANCE (GPS pace wobbles by a few seconds per kilometre).

Score (0–100): `volume` is how close the distance came to the plan, 1 − |1 − done/planned| (floored at
0: 90 % and 110 % both give 0.9); `in target` is the share of the targeted time spent in range. With
targets the score is 40 % volume + 60 % in target; without, volume alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

from tools.statistics import MAX_GAP_S
from tools.workouts.describe import STEP_NAMES, target_text
from tools.workouts.model import (
    EndByDistance,
    EndByTime,
    HeartRateTarget,
    HeartRateZoneTarget,
    PaceTarget,
    Step,
    Workout,
    WorkoutKind,
    expand,
    summarize,
)
from tools.zones.science import HeartRateZone

PACE_TOLERANCE = 0.03
MIN_SPEED_MPS = 0.5
VOLUME_WEIGHT = 0.4
UNSCORED_KINDS = (WorkoutKind.REST, WorkoutKind.STRENGTH)


@dataclass(frozen=True, slots=True)
class Samples:
    """One activity's samples in time order: seconds, speed (m/s), heart rate (bpm), distance (m)."""

    t: Sequence[float]
    speed_mps: Sequence[float | None]
    heart_rate: Sequence[float | None]
    distance_m: Sequence[float | None]


class StepExecution(BaseModel):
    name: str
    target: str | None
    planned_s: float
    actual_s: float
    in_target_s: float | None = Field(description="None for a step without a pace or heart-rate target")
    avg_pace_s_per_km: float | None


class ExecutionScore(BaseModel):
    score: int = Field(ge=0, le=100)
    planned_km: float
    actual_km: float
    distance_ratio: float = Field(description="done / planned distance")
    planned_min: float
    actual_min: float
    in_target_share: float | None = Field(
        description="share of the targeted time in range (None: no targets)"
    )
    steps: list[StepExecution]
    summary: str


def _step_size(step: Step) -> tuple[float | None, float | None]:
    """(seconds, metres) that end the step; one of them is None."""
    if isinstance(step.end, EndByTime):
        return step.end.seconds, None
    if isinstance(step.end, EndByDistance):
        return None, step.end.meters
    return step.estimated_s, None


def _hr_bounds(step: Step, zones: Sequence[HeartRateZone] | None) -> tuple[float, float] | None:
    if isinstance(step.target, HeartRateTarget):
        return step.target.low_bpm, step.target.high_bpm
    if isinstance(step.target, HeartRateZoneTarget) and zones and step.target.zone <= len(zones):
        zone = zones[step.target.zone - 1]
        return zone.low_bpm or 0.0, zone.high_bpm or 250.0
    return None


def _range_of(step: Step, zones: Sequence[HeartRateZone] | None) -> tuple[str | None, float, float]:
    """What a sample is checked on — its speed (for a pace range, as m/s, widened by PACE_TOLERANCE) or its
    heart rate — and the range; (None, 0, 0) for a step without a range we can check."""
    if isinstance(step.target, PaceTarget):
        fastest = step.target.fastest_s_per_km * (1 - PACE_TOLERANCE)
        slowest = step.target.slowest_s_per_km * (1 + PACE_TOLERANCE)
        return "speed", max(1000.0 / slowest, MIN_SPEED_MPS), 1000.0 / fastest
    bounds = _hr_bounds(step, zones)
    if bounds is not None:
        return "hr", bounds[0], bounds[1]
    return None, 0.0, 0.0


def _distances(samples: Samples) -> list[float]:
    """Cumulative distance per sample: the recorded one, else integrated speed."""
    out: list[float] = []
    total = 0.0
    for i, t in enumerate(samples.t):
        recorded = samples.distance_m[i] if i < len(samples.distance_m) else None
        if recorded is not None:
            total = float(recorded)
        elif i > 0:
            speed = samples.speed_mps[i - 1] or 0.0
            total += float(speed) * min(max(t - samples.t[i - 1], 0.0), MAX_GAP_S)
        out.append(total)
    return out


def score_execution(
    workout: Workout,
    samples: Samples,
    *,
    actual_distance_m: float,
    actual_duration_s: float,
    hr_zones: Sequence[HeartRateZone] | None = None,
) -> ExecutionScore | None:
    """How `samples` executed `workout` (see the module docstring); None for rest and strength."""
    if workout.kind in UNSCORED_KINDS or not workout.blocks:
        return None
    steps = expand(workout.blocks)
    planned = summarize(workout)
    distance = _distances(samples)
    n = len(samples.t)
    results: list[StepExecution] = []
    t, speeds, hrs = samples.t, samples.speed_mps, samples.heart_rate
    i = 0
    for k, step in enumerate(steps):
        seconds, metres = _step_size(step)
        end_t = (t[i] if i < n else 0.0) + seconds if seconds is not None else math.inf
        end_d = (distance[i] if i < n else 0.0) + metres if metres is not None else math.inf
        if k == len(steps) - 1:
            end_t = end_d = math.inf  # the last step takes what is left
        column, low, high = _range_of(step, hr_zones)
        actual = in_range = speed_sum = speed_time = 0.0
        while i < n - 1 and t[i] < end_t and distance[i] < end_d:
            gap = t[i + 1] - t[i]
            gap = 0.0 if gap < 0.0 else MAX_GAP_S if gap > MAX_GAP_S else gap
            actual += gap
            speed = speeds[i]
            if speed is not None and speed >= MIN_SPEED_MPS:
                speed_sum += speed * gap
                speed_time += gap
            value = speed if column == "speed" else hrs[i] if column == "hr" else None
            if value is not None and low <= value <= high:
                in_range += gap
            i += 1
        planned_s, _ = step.estimate()
        results.append(
            StepExecution(
                name=STEP_NAMES[step.step_type],
                target=target_text(step.target),
                planned_s=round(planned_s),
                actual_s=round(actual),
                in_target_s=round(in_range) if column is not None else None,
                avg_pace_s_per_km=round(1000.0 * speed_time / speed_sum, 1) if speed_sum > 0 else None,
            )
        )
    targeted = [(s, r) for s, r in zip(steps, results, strict=True) if r.in_target_s is not None]
    targeted_s = sum(r.actual_s for _, r in targeted)
    share = sum(r.in_target_s or 0.0 for _, r in targeted) / targeted_s if targeted_s > 0 else None
    ratio = actual_distance_m / planned.distance_m if planned.distance_m > 0 else 0.0
    volume = max(0.0, 1.0 - abs(1.0 - ratio))
    raw = volume if share is None else VOLUME_WEIGHT * volume + (1 - VOLUME_WEIGHT) * share
    score = round(100 * raw)
    in_target = f", {share:.0%} of the targeted time in range" if share is not None else ""
    return ExecutionScore(
        score=score,
        planned_km=round(planned.distance_m / 1000.0, 2),
        actual_km=round(actual_distance_m / 1000.0, 2),
        distance_ratio=round(ratio, 3),
        planned_min=round(planned.duration_s / 60.0, 1),
        actual_min=round(actual_duration_s / 60.0, 1),
        in_target_share=round(share, 3) if share is not None else None,
        steps=results,
        summary=f"{score}/100: {ratio:.0%} of the planned distance{in_target}",
    )
