"""A structured workout as the JSON Garmin Connect's workout service takes (`POST /workout-service/workout`).

The shape is the one Garmin itself returns (python-garminconnect's `sample_workout.json`): a workout with
one segment of steps; an `ExecutableStepDTO` per step and a `RepeatGroupDTO` per repeat (its steps inside,
`numberOfIterations`, end condition `iterations`); `stepOrder` counts every step and group depth-first from
1; a repeat group and its steps share a `childStepId` (1, 2, … per group).

Units — where other tools go wrong (pace shown as 0:00, power shown as 864 km/h):

- Garmin reads the target's *id* (`workoutTargetTypeId`), not its key. Pace is id 6 `pace.zone` with
  `targetValueOne`/`targetValueTwo` in **metres per second** (Garmin stores speed and displays it as
  min/km): One is the slower bound (lower m/s), Two the faster. Sending s/km (255) makes Garmin show a pace
  of 0:04/km, i.e. "0:00"; sending s/m shows hours per km.
- Power is id 2 `power.zone` with values in **watts**. Power with id 5 (`speed.zone`) is read as m/s:
  240 W becomes 240 m/s = 864 km/h.
- Heart rate is id 4 `heart.rate.zone`: a range in bpm in targetValueOne/Two, or a zone in `zoneNumber`.
- Cadence is id 3 `cadence` in steps per minute.
- End conditions: 1 `lap.button`, 2 `time` (seconds), 3 `distance` (metres), 7 `iterations`.

garminconnect's own `workout.py` enums say `OPEN = 6` and `DISTANCE = 1`; Garmin's workout service (and
the workouts it returns) use 6 for pace and 3 for distance, so the constants here are our own.

Nested repeats are unrolled into their parent group (watches support one level of repeats).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.errors import InvalidInput
from tools.units import clock, pace
from tools.workouts.model import (
    Block,
    HeartRateZoneTarget,
    PaceTarget,
    Step,
    StepType,
    Target,
    Workout,
    WorkoutKind,
    expand,
    summarize,
)

RUNNING = {"sportTypeId": 1, "sportTypeKey": "running", "displayOrder": 1}
STEP_TYPES: dict[StepType, dict[str, Any]] = {
    StepType.WARMUP: {"stepTypeId": 1, "stepTypeKey": "warmup", "displayOrder": 1},
    StepType.COOLDOWN: {"stepTypeId": 2, "stepTypeKey": "cooldown", "displayOrder": 2},
    StepType.ACTIVE: {"stepTypeId": 3, "stepTypeKey": "interval", "displayOrder": 3},
    StepType.RECOVERY: {"stepTypeId": 4, "stepTypeKey": "recovery", "displayOrder": 4},
    StepType.REST: {"stepTypeId": 5, "stepTypeKey": "rest", "displayOrder": 5},
}
REPEAT_TYPE = {"stepTypeId": 6, "stepTypeKey": "repeat", "displayOrder": 6}
LAP_BUTTON = {"conditionTypeId": 1, "conditionTypeKey": "lap.button", "displayOrder": 1, "displayable": True}
TIME = {"conditionTypeId": 2, "conditionTypeKey": "time", "displayOrder": 2, "displayable": True}
DISTANCE = {"conditionTypeId": 3, "conditionTypeKey": "distance", "displayOrder": 3, "displayable": True}
ITERATIONS = {"conditionTypeId": 7, "conditionTypeKey": "iterations", "displayOrder": 7, "displayable": False}
NO_TARGET = {"workoutTargetTypeId": 1, "workoutTargetTypeKey": "no.target", "displayOrder": 1}
POWER = {"workoutTargetTypeId": 2, "workoutTargetTypeKey": "power.zone", "displayOrder": 2}
CADENCE = {"workoutTargetTypeId": 3, "workoutTargetTypeKey": "cadence", "displayOrder": 3}
HEART_RATE = {"workoutTargetTypeId": 4, "workoutTargetTypeKey": "heart.rate.zone", "displayOrder": 4}
PACE = {"workoutTargetTypeId": 6, "workoutTargetTypeKey": "pace.zone", "displayOrder": 6}
STROKE = {"strokeTypeId": 0, "displayOrder": 0}
EQUIPMENT = {"equipmentTypeId": 0, "displayOrder": 0}
MAX_NAME = 80
MAX_DESCRIPTION = 512


def speed_m_s(pace_s_per_km: float) -> float:
    """A pace (s/km) as the speed Garmin stores (m/s), to 6 decimals."""
    return round(1000.0 / pace_s_per_km, 6)


#: Garmin's target type of each range target but pace (sent as speeds) and the zone (a zone number)
RANGE_TARGETS = {"heart_rate": HEART_RATE, "cadence": CADENCE, "power": POWER}


def _target(target: Target | None) -> dict[str, Any]:
    match target:
        case None:
            return {"targetType": dict(NO_TARGET)}
        case PaceTarget():
            return {
                "targetType": dict(PACE),
                "targetValueOne": speed_m_s(target.slowest_s_per_km),
                "targetValueTwo": speed_m_s(target.fastest_s_per_km),
            }
        case HeartRateZoneTarget():
            return {"targetType": dict(HEART_RATE), "zoneNumber": target.zone}
    low, high = target.bounds
    return {"targetType": dict(RANGE_TARGETS[target.type]), "targetValueOne": low, "targetValueTwo": high}


END_CONDITIONS = {"time": TIME, "distance": DISTANCE, "lap_button": LAP_BUTTON}


def _end(step: Step) -> dict[str, Any]:
    """The end condition; time in seconds, distance in metres."""
    end: dict[str, Any] = {"endCondition": dict(END_CONDITIONS[step.end.type])}
    if step.end.value is not None:
        end["endConditionValue"] = float(step.end.value)
    return end


class _Numbering:
    def __init__(self) -> None:
        self.order = 0
        self.group = 0

    def next_order(self) -> int:
        self.order += 1
        return self.order

    def next_group(self) -> int:
        self.group += 1
        return self.group


def _executable(step: Step, numbering: _Numbering, group: int | None) -> dict[str, Any]:
    dto: dict[str, Any] = {
        "type": "ExecutableStepDTO",
        "stepOrder": numbering.next_order(),
        "stepType": dict(STEP_TYPES[step.step_type]),
    }
    if group is not None:
        dto["childStepId"] = group
    if step.notes:
        dto["description"] = step.notes[:MAX_DESCRIPTION]
    dto.update(_end(step))
    dto.update(_target(step.target))
    dto["strokeType"] = dict(STROKE)
    dto["equipmentType"] = dict(EQUIPMENT)
    return dto


def _steps(blocks: Sequence[Block], numbering: _Numbering) -> list[dict[str, Any]]:
    out = []
    for block in blocks:
        if isinstance(block, Step):
            out.append(_executable(block, numbering, None))
            continue
        group = numbering.next_group()
        dto: dict[str, Any] = {
            "type": "RepeatGroupDTO",
            "stepOrder": numbering.next_order(),
            "stepType": dict(REPEAT_TYPE),
            "childStepId": group,
            "numberOfIterations": block.count,
        }
        dto["workoutSteps"] = [_executable(step, numbering, group) for step in expand(block.blocks)]
        dto.update(endConditionValue=float(block.count), endCondition=dict(ITERATIONS), smartRepeat=False)
        out.append(dto)
    return out


def garmin_workout(workout: Workout, *, name: str | None = None) -> dict[str, Any]:
    """The Garmin Connect workout JSON for a running `workout` (see the module docstring for the units)."""
    if workout.kind is WorkoutKind.REST or not workout.blocks:
        raise InvalidInput("A rest day has no steps to send to the watch; pick a running workout.")
    segment = {
        "segmentOrder": 1,
        "sportType": dict(RUNNING),
        "workoutSteps": _steps(workout.blocks, _Numbering()),
    }
    payload: dict[str, Any] = {
        "workoutName": (name or workout.name)[:MAX_NAME],
        "sportType": dict(RUNNING),
        "author": {},
        "estimatedDurationInSecs": round(summarize(workout).duration_s),
        "workoutSegments": [segment],
    }
    if workout.description:
        payload["description"] = workout.description[:MAX_DESCRIPTION]
    return payload


def _shown_target(step: dict[str, Any]) -> str:
    """How Garmin Connect displays a step's target, read back from the payload's units."""
    key = step["targetType"]["workoutTargetTypeId"]
    one, two = step.get("targetValueOne"), step.get("targetValueTwo")
    if key == PACE["workoutTargetTypeId"] and one and two:
        return f"pace {pace(1000.0 / one)}–{pace(1000.0 / two)}".replace("/km–", "–")
    if key == POWER["workoutTargetTypeId"]:
        return f"power {one:.0f}–{two:.0f} W"
    if key == HEART_RATE["workoutTargetTypeId"]:
        return (
            f"heart rate zone {step['zoneNumber']}"
            if "zoneNumber" in step
            else f"heart rate {one:.0f}–{two:.0f} bpm"
        )
    if key == CADENCE["workoutTargetTypeId"]:
        return f"cadence {one:.0f}–{two:.0f} spm"
    return "no target"


def _shown_end(step: dict[str, Any]) -> str:
    condition = step["endCondition"]["conditionTypeId"]
    value = step.get("endConditionValue") or 0.0
    if condition == TIME["conditionTypeId"]:
        return clock(value)
    if condition == DISTANCE["conditionTypeId"]:
        return f"{value:.0f} m"
    return "lap button"


def as_garmin_shows(payload: dict[str, Any]) -> list[str]:
    """The payload read back the way Garmin Connect shows it: "interval 1000 m: pace 3:58–3:51/km"."""
    lines = []
    for step in payload["workoutSegments"][0]["workoutSteps"]:
        if step["type"] == "RepeatGroupDTO":
            inner = "; ".join(
                f"{s['stepType']['stepTypeKey']} {_shown_end(s)}: {_shown_target(s)}"
                for s in step["workoutSteps"]
            )
            lines.append(f"{step['numberOfIterations']} × [{inner}]")
        else:
            lines.append(f"{step['stepType']['stepTypeKey']} {_shown_end(step)}: {_shown_target(step)}")
    return lines
