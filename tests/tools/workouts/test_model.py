"""The structured workout model and building workouts from training paces."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tools.fitness.vdot import training_paces
from tools.workouts.model import (
    EndByDistance,
    EndByLapButton,
    EndByTime,
    HeartRateZoneTarget,
    Intensity,
    PaceTarget,
    Repeat,
    Step,
    StepType,
    Workout,
    WorkoutKind,
    summarize,
)
from tools.workouts.sessions import build_workout

EASY = PaceTarget(fastest_s_per_km=300, slowest_s_per_km=340)  # mid 320 s/km
FAST = PaceTarget(fastest_s_per_km=235, slowest_s_per_km=245)  # mid 240 s/km


def test_summary_of_nested_repeats_by_hand() -> None:
    workout = Workout(
        kind=WorkoutKind.INTERVALS,
        name="3 × (2 × 400 m, 60 s) + 10 min",
        blocks=[
            Step(step_type=StepType.WARMUP, end=EndByTime(seconds=640), target=EASY),  # 640 s, 2000 m
            Repeat(
                count=3,
                blocks=[
                    Repeat(
                        count=2,
                        blocks=[
                            # 400 m at 240 s/km = 96 s
                            Step(
                                step_type=StepType.ACTIVE,
                                end=EndByDistance(meters=400),
                                target=FAST,
                                intensity="hard",
                            ),
                            # 60 s at 320 s/km = 187.5 m
                            Step(step_type=StepType.RECOVERY, end=EndByTime(seconds=60), target=EASY),
                        ],
                    ),
                    Step(
                        step_type=StepType.REST,
                        end=EndByLapButton(),
                        estimated_s=120,
                        estimated_pace_s_per_km=600,
                    ),
                ],
            ),
        ],
    )
    summary = summarize(workout)
    assert summary.hard_s == pytest.approx(6 * 96)
    assert summary.easy_s == pytest.approx(640 + 6 * 60 + 3 * 120)
    assert summary.duration_s == pytest.approx(640 + 6 * 96 + 6 * 60 + 3 * 120)
    assert summary.distance_m == pytest.approx(2000 + 6 * 400 + 6 * 187.5 + 3 * 200)
    assert summary.intense_s == summary.hard_s


def test_workout_round_trips_through_json() -> None:
    workout = build_workout(WorkoutKind.INTERVALS, training_paces(45))
    assert Workout.model_validate_json(workout.model_dump_json()) == workout


def test_reversed_pace_range_is_refused() -> None:
    with pytest.raises(ValidationError, match="reversed"):
        PaceTarget(fastest_s_per_km=300, slowest_s_per_km=250)


def test_a_step_whose_size_cannot_be_estimated_is_refused() -> None:
    with pytest.raises(ValidationError, match="estimated_s"):
        Step(step_type=StepType.ACTIVE, end=EndByLapButton())
    with pytest.raises(ValidationError, match="estimated_pace"):
        Step(step_type=StepType.ACTIVE, end=EndByTime(seconds=60), target=HeartRateZoneTarget(zone=2))


def test_a_run_without_steps_is_refused_but_rest_is_fine() -> None:
    with pytest.raises(ValidationError):
        Workout(kind=WorkoutKind.EASY, name="empty")
    assert summarize(Workout(kind=WorkoutKind.REST, name="rest")).duration_s == 0


PACES = training_paces(50)


def steps(workout: Workout) -> list[Step]:
    found: list[Step] = []

    def walk(blocks: list[Step | Repeat]) -> None:
        for block in blocks:
            if isinstance(block, Repeat):
                walk(block.blocks)
            else:
                found.append(block)

    walk(workout.blocks)
    return found


def test_intervals_are_i_pace_reps_between_warm_up_and_cool_down() -> None:
    workout = build_workout(WorkoutKind.INTERVALS, PACES, quality_minutes=20)
    assert workout.blocks[0].step_type is StepType.WARMUP  # type: ignore[union-attr]
    assert workout.blocks[-1].step_type is StepType.COOLDOWN  # type: ignore[union-attr]
    reps = [s for s in steps(workout) if s.intensity is Intensity.HARD]
    assert isinstance(reps[0].target, PaceTarget)
    assert reps[0].target.fastest_s_per_km < PACES.interval_s_per_km < reps[0].target.slowest_s_per_km
    # I pace for VDOT 50 is 3:55/km: five 1000 m reps fit in 20 minutes.
    assert summarize(workout).hard_s == pytest.approx(5 * 235, rel=0.02)


def test_long_run_with_marathon_finish_keeps_its_distance() -> None:
    workout = build_workout(WorkoutKind.LONG, PACES, distance_km=28, quality_minutes=40)
    summary = summarize(workout)
    assert summary.distance_m == pytest.approx(28_000)
    assert summary.moderate_s == pytest.approx(40 * 60, rel=0.05)
    assert summary.hard_s == 0


def test_race_workout_is_the_race_distance_at_race_pace() -> None:
    workout = build_workout(WorkoutKind.RACE, PACES, race_distance_m=10_000, race_pace_s_per_km=248.1)
    summary = summarize(workout)
    assert summary.distance_m == pytest.approx(10_000)
    assert summary.duration_s == pytest.approx(2481)


def test_fast_race_pace_work_is_split_into_reps() -> None:
    workout = build_workout(WorkoutKind.RACE_PACE, PACES, quality_minutes=16, race_pace_s_per_km=239.4)
    assert any(isinstance(block, Repeat) for block in workout.blocks)
    marathon = build_workout(WorkoutKind.RACE_PACE, PACES, quality_minutes=40)
    assert not any(isinstance(block, Repeat) for block in marathon.blocks)
    assert summarize(marathon).moderate_s == pytest.approx(40 * 60, rel=0.05)


@given(st.sampled_from(list(WorkoutKind)), st.floats(30, 80), st.floats(3, 30), st.floats(5, 60))
def test_every_kind_builds_and_has_a_sensible_size(
    kind: WorkoutKind, vdot: float, km: float, minutes: float
) -> None:
    workout = build_workout(
        kind, training_paces(vdot), distance_km=km, quality_minutes=minutes, race_distance_m=10_000
    )
    summary = summarize(workout)
    assert workout.kind is kind
    assert summary.duration_s >= 0 and summary.distance_m >= 0
    assert summary.easy_s + summary.moderate_s + summary.hard_s == pytest.approx(summary.duration_s)
    if kind in (WorkoutKind.EASY, WorkoutKind.RECOVERY, WorkoutKind.LONG):
        assert summary.distance_m == pytest.approx(km * 1000)
    if kind in (WorkoutKind.EASY, WorkoutKind.RECOVERY):
        assert summary.intense_s == 0
