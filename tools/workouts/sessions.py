"""Building one structured workout of a given kind from the athlete's Daniels training paces.

Targets are pace ranges around Daniels' paces (`vdot.py`): E is its own range; M, T, I and R get ±1.5 %
(a watch needs a window, and ±1.5 % is about ±4 s/km at T pace for VDOT 50); race pace gets ±1 %.
Recovery jogs run between E-slow and 10 % slower. Session shapes follow *Daniels' Running Formula*:

- intervals: reps of 3–5 min at I pace (1000 m, or 800 m when 1000 m would take over 5 min), jog
  recoveries of ¾ of the rep time;
- tempo: continuous T up to 20 min, beyond that cruise intervals (≤ 10-min blocks, 1-min jogs);
- hills: 60-s hard uphill reps with 90-s jog down (effort, no pace target);
- strides: an easy run followed by 6 × 20 s at R pace with 60-s easy jogs;
- race pace: a block at goal race pace (moderate at marathon pace or slower, hard when faster); when
  race pace is faster than T pace (5K/10K) it is run as 1000-m reps (800 m if over 5 min) with jogs of
  half the rep time;
- long: easy, optionally finishing with `quality_minutes` at M pace.

Quality sessions have a warm-up and a cool-down (default 15 and 10 min easy).
"""

from __future__ import annotations

import math

from core.errors import TrainingInputError
from tools.fitness.vdot import TrainingPaces, race_time_for_vdot
from tools.workouts.model import (
    Block,
    EndByDistance,
    EndByLapButton,
    EndByTime,
    Intensity,
    PaceTarget,
    Repeat,
    Step,
    StepType,
    Workout,
    WorkoutKind,
    summarize_blocks,
)

TARGET_TOLERANCE = 0.015
RACE_TOLERANCE = 0.01
WARMUP_S = 15 * 60
COOLDOWN_S = 10 * 60
MAX_REP_S = 5 * 60
HILL_REP_S = 60
HILL_JOG_S = 90
STRIDE_S = 20
STRIDE_JOG_S = 60
STRIDES = 6
CRUISE_BLOCK_MAX_MIN = 10
DEFAULT_MINUTES: dict[WorkoutKind, float] = {
    WorkoutKind.EASY: 45,
    WorkoutKind.RECOVERY: 30,
    WorkoutKind.LONG: 90,
    WorkoutKind.STRIDES: 30,
    WorkoutKind.TEMPO: 20,
    WorkoutKind.INTERVALS: 20,
    WorkoutKind.HILLS: 8,
    WorkoutKind.RACE_PACE: 20,
    WorkoutKind.STRENGTH: 30,
}


def _around(pace: float, tolerance: float) -> PaceTarget:
    return PaceTarget(fastest_s_per_km=pace * (1 - tolerance), slowest_s_per_km=pace * (1 + tolerance))


def easy_target(paces: TrainingPaces) -> PaceTarget:
    return PaceTarget(fastest_s_per_km=paces.easy_fast_s_per_km, slowest_s_per_km=paces.easy_slow_s_per_km)


def recovery_target(paces: TrainingPaces) -> PaceTarget:
    return PaceTarget(
        fastest_s_per_km=paces.easy_slow_s_per_km, slowest_s_per_km=paces.easy_slow_s_per_km * 1.10
    )


def _easy_step(step_type: StepType, end: EndByTime | EndByDistance, paces: TrainingPaces) -> Step:
    return Step(step_type=step_type, end=end, target=easy_target(paces))


def _jog(seconds: float, paces: TrainingPaces) -> Step:
    return Step(step_type=StepType.RECOVERY, end=EndByTime(seconds=seconds), target=recovery_target(paces))


def _wrap(main: list[Block], paces: TrainingPaces, warmup_s: float, cooldown_s: float) -> list[Block]:
    blocks: list[Block] = []
    if warmup_s > 0:
        blocks.append(_easy_step(StepType.WARMUP, EndByTime(seconds=warmup_s), paces))
    blocks.extend(main)
    if cooldown_s > 0:
        blocks.append(_easy_step(StepType.COOLDOWN, EndByTime(seconds=cooldown_s), paces))
    return blocks


def _km(distance_km: float | None, minutes: float, pace_s_per_km: float) -> float:
    km = distance_km if distance_km is not None else minutes * 60.0 / pace_s_per_km
    if not math.isfinite(km) or km <= 0:
        raise TrainingInputError(f"distance must be a positive number of km, got {km}")
    return km


def _round_m(metres: float) -> float:
    """Round down to whole 100 m, the resolution a runner can follow on a watch."""
    return math.floor(metres / 100.0) * 100.0


def interval_rep_m(paces: TrainingPaces) -> float:
    """1000 m reps, or 800 m when a 1000 m rep at I pace would take longer than 5 minutes."""
    return 1000.0 if paces.interval_s_per_km <= MAX_REP_S else 800.0


def _intervals(minutes: float, paces: TrainingPaces) -> list[Block]:
    rep_m = interval_rep_m(paces)
    rep_s = rep_m / 1000.0 * paces.interval_s_per_km
    count = max(1, math.floor(minutes * 60.0 / rep_s))
    rep = Step(
        step_type=StepType.ACTIVE,
        end=EndByDistance(meters=rep_m),
        target=_around(paces.interval_s_per_km, TARGET_TOLERANCE),
        intensity=Intensity.HARD,
    )
    jog_s = round(rep_s * 0.75 / 15.0) * 15.0
    return [Repeat(count=count, blocks=[rep, _jog(jog_s, paces)])]


def _tempo(minutes: float, paces: TrainingPaces) -> list[Block]:
    target = _around(paces.threshold_s_per_km, TARGET_TOLERANCE)
    if minutes <= 2 * CRUISE_BLOCK_MAX_MIN:
        return [
            Step(
                step_type=StepType.ACTIVE,
                end=EndByTime(seconds=minutes * 60.0),
                target=target,
                intensity=Intensity.HARD,
            )
        ]
    count = math.ceil(minutes / CRUISE_BLOCK_MAX_MIN)
    block = Step(
        step_type=StepType.ACTIVE,
        end=EndByTime(seconds=minutes * 60.0 / count),
        target=target,
        intensity=Intensity.HARD,
    )
    return [Repeat(count=count, blocks=[block, _jog(60.0, paces)])]


def _hills(minutes: float, paces: TrainingPaces) -> list[Block]:
    count = max(1, math.floor(minutes * 60.0 / HILL_REP_S))
    uphill = Step(
        step_type=StepType.ACTIVE,
        end=EndByTime(seconds=HILL_REP_S),
        intensity=Intensity.HARD,
        estimated_pace_s_per_km=paces.interval_s_per_km * 1.15,
        notes="hard uphill effort (about 5K effort), run by feel; pace is meaningless on a hill",
    )
    down = Step(
        step_type=StepType.RECOVERY,
        end=EndByTime(seconds=HILL_JOG_S),
        estimated_pace_s_per_km=paces.easy_slow_s_per_km,
        notes="easy jog back down",
    )
    return [Repeat(count=count, blocks=[uphill, down])]


def _strides(paces: TrainingPaces) -> Repeat:
    stride = Step(
        step_type=StepType.ACTIVE,
        end=EndByTime(seconds=STRIDE_S),
        target=_around(paces.repetition_s_per_km, TARGET_TOLERANCE),
        intensity=Intensity.HARD,
        notes="relaxed and quick, not a sprint",
    )
    return Repeat(count=STRIDES, blocks=[stride, _jog(STRIDE_JOG_S, paces)])


def _race_pace_block(metres: float, race_pace: float, paces: TrainingPaces) -> Step:
    intensity = Intensity.HARD if race_pace < paces.marathon_s_per_km * 0.99 else Intensity.MODERATE
    return Step(
        step_type=StepType.ACTIVE,
        end=EndByDistance(meters=metres),
        target=_around(race_pace, RACE_TOLERANCE),
        intensity=intensity,
    )


def race_pace_rep_m(race_pace_s_per_km: float) -> float:
    """Race-pace reps are 1000 m, or 800 m when 1000 m would take longer than 5 minutes."""
    return 1000.0 if race_pace_s_per_km <= MAX_REP_S else 800.0


def _race_pace(minutes: float, race_pace: float, paces: TrainingPaces) -> list[Block]:
    """Continuous at half-marathon pace or slower; reps with half-time jogs when faster than T pace."""
    if race_pace >= paces.threshold_s_per_km * 0.99:
        return [_race_pace_block(max(500.0, _round_m(minutes * 60.0 / race_pace * 1000.0)), race_pace, paces)]
    rep_m = race_pace_rep_m(race_pace)
    rep_s = rep_m / 1000.0 * race_pace
    count = max(1, math.floor(minutes * 60.0 / rep_s))
    jog_s = round(rep_s * 0.5 / 15.0) * 15.0
    return [Repeat(count=count, blocks=[_race_pace_block(rep_m, race_pace, paces), _jog(jog_s, paces)])]


def build_workout(
    kind: WorkoutKind,
    paces: TrainingPaces,
    *,
    distance_km: float | None = None,
    quality_minutes: float | None = None,
    race_pace_s_per_km: float | None = None,
    race_distance_m: float | None = None,
    warmup_s: float = WARMUP_S,
    cooldown_s: float = COOLDOWN_S,
    name: str | None = None,
) -> Workout:
    """One workout of `kind` at the athlete's `paces`.

    - easy / recovery / long / strides: `distance_km` of running (default 45 / 30 / 90 / 30 min at E pace);
      `quality_minutes` on a long run is a finish at M pace inside that distance.
    - tempo / intervals / hills / race_pace: `quality_minutes` of work (defaults 20 / 20 / 8 / 20) between a
      warm-up and a cool-down; race pace defaults to the VDOT-equivalent pace for `race_distance_m`, else M.
    - race: `race_distance_m` at `race_pace_s_per_km` (default: the VDOT-equivalent time).
    - rest: no steps. strength: a 30-minute session ended with the lap button.
    """
    kind = WorkoutKind(kind)
    minutes = quality_minutes if quality_minutes is not None else DEFAULT_MINUTES.get(kind, 0.0)
    if minutes < 0 or not math.isfinite(minutes):
        raise TrainingInputError(f"quality_minutes must be ≥ 0, got {quality_minutes}")
    race_pace = race_pace_s_per_km
    if race_pace is None and race_distance_m is not None:
        race_pace = race_time_for_vdot(paces.vdot, race_distance_m) / (race_distance_m / 1000.0)
    easy_mid = paces.easy_mid_s_per_km
    title = name or kind.value.replace("_", " ").capitalize()
    blocks: list[Block]

    match kind:
        case WorkoutKind.REST:
            blocks = []
        case WorkoutKind.EASY | WorkoutKind.RECOVERY:
            km = _km(distance_km, DEFAULT_MINUTES[kind], easy_mid)
            target = easy_target(paces) if kind is WorkoutKind.EASY else recovery_target(paces)
            blocks = [Step(step_type=StepType.ACTIVE, end=EndByDistance(meters=km * 1000.0), target=target)]
        case WorkoutKind.LONG:
            km = _km(distance_km, DEFAULT_MINUTES[kind], easy_mid)
            finish_m = _round_m(
                min(km * 500.0, (quality_minutes or 0.0) * 60.0 / paces.marathon_s_per_km * 1000.0)
            )
            blocks = [_easy_step(StepType.ACTIVE, EndByDistance(meters=km * 1000.0 - finish_m), paces)]
            if finish_m > 0:
                blocks.append(_race_pace_block(finish_m, paces.marathon_s_per_km, paces))
        case WorkoutKind.STRIDES:
            km = _km(distance_km, DEFAULT_MINUTES[kind], easy_mid)
            blocks = [_easy_step(StepType.ACTIVE, EndByDistance(meters=km * 1000.0), paces), _strides(paces)]
        case WorkoutKind.INTERVALS:
            blocks = _wrap(_intervals(minutes, paces), paces, warmup_s, cooldown_s)
        case WorkoutKind.TEMPO:
            blocks = _wrap(_tempo(minutes, paces), paces, warmup_s, cooldown_s)
        case WorkoutKind.HILLS:
            blocks = _wrap(_hills(minutes, paces), paces, warmup_s, cooldown_s)
        case WorkoutKind.RACE_PACE:
            pace = race_pace if race_pace is not None else paces.marathon_s_per_km
            blocks = _wrap(_race_pace(minutes, pace, paces), paces, warmup_s, cooldown_s)
        case WorkoutKind.RACE:
            if race_distance_m is None or race_pace is None:
                raise TrainingInputError(
                    "a race workout needs race_distance_m (and optionally race_pace_s_per_km)"
                )
            blocks = [
                Step(
                    step_type=StepType.ACTIVE,
                    end=EndByDistance(meters=race_distance_m),
                    target=_around(race_pace, RACE_TOLERANCE),
                    intensity=Intensity.HARD,
                )
            ]
        case WorkoutKind.STRENGTH:
            blocks = [Step(step_type=StepType.ACTIVE, end=EndByLapButton(), estimated_s=minutes * 60.0)]
    return Workout(kind=kind, name=title, description=_describe(kind, blocks), blocks=blocks)


def _describe(kind: WorkoutKind, blocks: list[Block]) -> str:
    if kind is WorkoutKind.REST:
        return "Rest day: no running."
    summary = summarize_blocks(blocks)
    return f"About {summary.distance_m / 1000.0:.1f} km in {summary.duration_s / 60.0:.0f} min."
