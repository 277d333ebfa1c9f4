"""Execution scores (pure): a run that follows the plan scores near 100; short, slow or off-target runs
score lower, by the rules of the module docstring."""

from __future__ import annotations

import pytest

from tools.fitness.vdot import training_paces
from tools.workouts.execution import Samples, expand, score_execution
from tools.workouts.model import PaceTarget, Workout, WorkoutKind, summarize
from tools.workouts.sessions import build_workout

PACES = training_paces(45.0)


def _follow(workout: Workout, *, speed_factor: float = 1.0, stop_after_s: float | None = None) -> Samples:
    """1 Hz samples of a run that does each step at its target's mid pace × `speed_factor`."""
    t, speed, distance = [0.0], [], [0.0]
    for step in expand(workout.blocks):
        seconds, _ = step.estimate()
        pace = step.target.mid_s_per_km if isinstance(step.target, PaceTarget) else 360.0
        v = 1000.0 / pace * speed_factor
        for _ in range(round(seconds / speed_factor if step.end.type == "distance" else seconds)):
            speed.append(v)
            t.append(t[-1] + 1.0)
            distance.append(distance[-1] + v)
            if stop_after_s is not None and t[-1] >= stop_after_s:
                break
        if stop_after_s is not None and t[-1] >= stop_after_s:
            break
    speed.append(speed[-1])
    return Samples(t=t, speed_mps=speed, heart_rate=[None] * len(t), distance_m=distance)


def _score(workout: Workout, samples: Samples) -> int:
    result = score_execution(
        workout, samples, actual_distance_m=samples.distance_m[-1] or 0.0, actual_duration_s=samples.t[-1]
    )
    assert result is not None
    return result.score


@pytest.mark.parametrize(
    "kind", [WorkoutKind.EASY, WorkoutKind.INTERVALS, WorkoutKind.TEMPO, WorkoutKind.STRIDES]
)
def test_a_run_that_follows_the_plan_scores_near_100(kind: WorkoutKind) -> None:
    workout = build_workout(kind, PACES, distance_km=8.0)
    assert _score(workout, _follow(workout)) >= 95


def test_slow_reps_and_a_short_run_score_lower() -> None:
    intervals = build_workout(WorkoutKind.INTERVALS, PACES)
    exact = _score(intervals, _follow(intervals))
    slow = _score(intervals, _follow(intervals, speed_factor=0.85))  # 15 % slower everywhere
    assert slow < exact - 20
    easy = build_workout(WorkoutKind.EASY, PACES, distance_km=10.0)
    half = score_execution(
        easy,
        _follow(easy, stop_after_s=summarize(easy).duration_s / 2),
        actual_distance_m=5_000.0,
        actual_duration_s=summarize(easy).duration_s / 2,
    )
    assert half is not None and half.distance_ratio == pytest.approx(0.5)
    assert half.in_target_share == pytest.approx(1.0, abs=0.01) and half.score == 80  # 0.4 × 0.5 + 0.6 × 1


def test_steps_are_laid_over_the_samples_in_order() -> None:
    intervals = build_workout(WorkoutKind.INTERVALS, PACES)
    result = score_execution(
        intervals,
        _follow(intervals),
        actual_distance_m=summarize(intervals).distance_m,
        actual_duration_s=1.0,
    )
    assert result is not None
    assert len(result.steps) == len(expand(intervals.blocks))
    assert [s.name for s in result.steps][:2] == ["Warm-up", "Run"]
    for step in result.steps[:-1]:
        assert step.actual_s == pytest.approx(step.planned_s, abs=3)
        assert step.in_target_s == pytest.approx(step.actual_s, abs=3)


def test_rest_and_strength_are_not_scored() -> None:
    rest = Workout(kind=WorkoutKind.REST, name="Rest")
    empty = Samples(t=[0.0, 1.0], speed_mps=[3.0, 3.0], heart_rate=[None, None], distance_m=[0.0, 3.0])
    assert score_execution(rest, empty, actual_distance_m=3.0, actual_duration_s=1.0) is None
