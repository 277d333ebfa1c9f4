"""The Garmin workout JSON: exactly Garmin's recorded shape, and targets in the units Garmin reads."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from core.errors import InvalidInput
from tests.support.shared_data import require
from tools.fitness.vdot import training_paces
from tools.workouts.garmin_payload import as_garmin_shows, garmin_workout
from tools.workouts.model import (
    CadenceTarget,
    EndByDistance,
    EndByLapButton,
    EndByTime,
    HeartRateTarget,
    HeartRateZoneTarget,
    Intensity,
    PaceTarget,
    PowerTarget,
    Repeat,
    Step,
    StepType,
    Workout,
    WorkoutKind,
)
from tools.workouts.sessions import build_workout

SERVER_SIDE = ("workoutId", "ownerId", "createdDate", "updatedDate", "stepId")


def recorded_sample() -> dict[str, Any]:
    """python-garminconnect's sample_workout.json (a workout as Garmin returns it) minus server-made ids."""
    payload = json.loads((require("garmin") / "python-garminconnect/sample_workout.json").read_text())

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in SERVER_SIDE}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(payload)


def _timed(step_type: StepType, seconds: float) -> Step:
    return Step(step_type=step_type, end=EndByTime(seconds=seconds), estimated_pace_s_per_km=300)


def test_the_recorded_simple_session_comes_out_exactly_as_garmin_stores_it() -> None:
    workout = Workout(
        kind=WorkoutKind.INTERVALS,
        name="Simple session",
        blocks=[
            _timed(StepType.WARMUP, 180),
            Repeat(count=6, blocks=[_timed(StepType.ACTIVE, 60), _timed(StepType.RECOVERY, 60)]),
            Repeat(count=3, blocks=[_timed(StepType.ACTIVE, 30), _timed(StepType.RECOVERY, 30)]),
            _timed(StepType.COOLDOWN, 120),
        ],
    )
    assert garmin_workout(workout) == recorded_sample()


def _steps(payload: dict[str, Any]) -> list[dict[str, Any]]:
    flat = []
    for step in payload["workoutSegments"][0]["workoutSteps"]:
        flat.append(step)
        flat.extend(step.get("workoutSteps", []))
    return flat


def test_targets_are_in_garmins_units() -> None:
    workout = Workout(
        kind=WorkoutKind.INTERVALS,
        name="Every target",
        blocks=[
            Step(
                step_type=StepType.WARMUP,
                end=EndByTime(seconds=600),
                target=HeartRateZoneTarget(zone=2),
                estimated_pace_s_per_km=330,
            ),
            Repeat(
                count=4,
                blocks=[
                    Step(
                        step_type=StepType.ACTIVE,
                        end=EndByDistance(meters=1000),
                        target=PaceTarget(fastest_s_per_km=240, slowest_s_per_km=250),
                        intensity=Intensity.HARD,
                    ),
                    Step(
                        step_type=StepType.RECOVERY,
                        end=EndByTime(seconds=120),
                        target=HeartRateTarget(low_bpm=120, high_bpm=140),
                        estimated_pace_s_per_km=360,
                    ),
                ],
            ),
            Step(
                step_type=StepType.ACTIVE,
                end=EndByTime(seconds=300),
                target=PowerTarget(low_w=230, high_w=250),
                estimated_pace_s_per_km=270,
                notes="steady power",
            ),
            Step(
                step_type=StepType.ACTIVE,
                end=EndByTime(seconds=120),
                target=CadenceTarget(low_spm=175, high_spm=185),
                estimated_pace_s_per_km=300,
            ),
            Step(step_type=StepType.COOLDOWN, end=EndByLapButton(), estimated_s=300),
        ],
    )
    payload = garmin_workout(workout)
    steps = _steps(payload)
    warmup, repeat, interval, recovery, power, cadence, cooldown = steps

    assert warmup["targetType"]["workoutTargetTypeId"] == 4 and warmup["zoneNumber"] == 2
    assert "targetValueOne" not in warmup

    assert repeat["type"] == "RepeatGroupDTO" and repeat["numberOfIterations"] == 4
    assert repeat["endCondition"]["conditionTypeId"] == 7 and repeat["childStepId"] == 1
    assert interval["childStepId"] == 1 and recovery["childStepId"] == 1
    assert [s["stepOrder"] for s in steps] == [1, 2, 3, 4, 5, 6, 7]

    # pace: id 6 pace.zone, metres per second, slower bound first
    assert interval["targetType"] == {
        "workoutTargetTypeId": 6,
        "workoutTargetTypeKey": "pace.zone",
        "displayOrder": 6,
    }
    assert interval["targetValueOne"] == pytest.approx(1000 / 250) == 4.0
    assert interval["targetValueTwo"] == pytest.approx(1000 / 240)
    assert interval["endCondition"]["conditionTypeId"] == 3 and interval["endConditionValue"] == 1000.0
    for bound in (interval["targetValueOne"], interval["targetValueTwo"]):
        assert 1.0 < bound < 7.0  # a running speed in m/s, not s/km (Garmin would show 0:00/km)

    assert recovery["targetType"]["workoutTargetTypeId"] == 4
    assert (recovery["targetValueOne"], recovery["targetValueTwo"]) == (120, 140)

    # power: id 2 power.zone in watts (id 5 would be read as 230 m/s = 828 km/h)
    assert power["targetType"] == {
        "workoutTargetTypeId": 2,
        "workoutTargetTypeKey": "power.zone",
        "displayOrder": 2,
    }
    assert (power["targetValueOne"], power["targetValueTwo"]) == (230, 250)
    assert power["description"] == "steady power"

    assert cadence["targetType"]["workoutTargetTypeId"] == 3
    assert (cadence["targetValueOne"], cadence["targetValueTwo"]) == (175, 185)

    assert cooldown["endCondition"]["conditionTypeId"] == 1 and "endConditionValue" not in cooldown
    assert payload["estimatedDurationInSecs"] == 600 + 4 * (245 + 120) + 300 + 120 + 300  # reps at 4:05/km

    assert as_garmin_shows(payload) == [
        "warmup 10:00: heart rate zone 2",
        "4 × [interval 1000 m: pace 4:10–4:00/km; recovery 2:00: heart rate 120–140 bpm]",
        "interval 5:00: power 230–250 W",
        "interval 2:00: cadence 175–185 spm",
        "cooldown lap button: no target",
    ]


def test_generated_workouts_carry_daniels_paces_in_m_per_s() -> None:
    paces = training_paces(50.0)
    workout = build_workout(WorkoutKind.INTERVALS, paces, quality_minutes=20)
    payload = garmin_workout(copy.deepcopy(workout))
    reps = [s for s in _steps(payload) if s["stepType"]["stepTypeKey"] == "interval"]
    assert reps and all(s["targetType"]["workoutTargetTypeKey"] == "pace.zone" for s in reps)
    fastest = 1000 / reps[0]["targetValueTwo"]
    assert fastest == pytest.approx(paces.interval_s_per_km * 0.985, abs=0.01)  # I pace − 1.5 %


def test_rest_day_cannot_be_pushed() -> None:
    with pytest.raises(InvalidInput, match="rest day"):
        garmin_workout(Workout(kind=WorkoutKind.REST, name="Rest"))


def test_nested_repeats_are_unrolled_into_one_group() -> None:
    inner = Repeat(count=2, blocks=[_timed(StepType.ACTIVE, 30), _timed(StepType.RECOVERY, 30)])
    workout = Workout(kind=WorkoutKind.INTERVALS, name="Nested", blocks=[Repeat(count=3, blocks=[inner])])
    (group,) = garmin_workout(workout)["workoutSegments"][0]["workoutSteps"]
    assert group["numberOfIterations"] == 3 and len(group["workoutSteps"]) == 4
    assert all(s["type"] == "ExecutableStepDTO" for s in group["workoutSteps"])
