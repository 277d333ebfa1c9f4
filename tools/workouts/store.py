"""Structured workouts in `workouts` + `workout_steps`.

`workouts.structure` holds the typed model (`tools.workouts.model.Workout`) and is what is read back;
`workout_steps` is the same workout flattened for queries and for other readers (the API, the calendar):
one row per step in depth-first order (`ordinal` 1, 2, …), a repeat is a row of type `repeat` with its
`repeat_count`, and its steps point at it with `parent_step_id`.

Step columns: `end_type` time (end_value seconds) | distance (metres) | lap_button; `target_type` pace
(target_low = fastest, target_high = slowest, both s/km) | heart_rate (bpm) | hr_zone (low = high = zone
number) | cadence (steps/min) | power (W).

Many workouts (a whole plan) are written with two statements: the workouts in one INSERT … RETURNING, the
steps in one executemany with ids drawn from the sequence beforehand, so parents and children go in
together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.models import Workout as WorkoutRow
from core.models import WorkoutStep
from tools.workouts.model import (
    Block,
    Repeat,
    Step,
    Workout,
    summarize,
)
from tools.workouts.repository import Workouts


@dataclass(frozen=True, slots=True)
class FlatStep:
    ordinal: int
    parent_ordinal: int | None
    step_type: str
    repeat_count: int | None = None
    end_type: str | None = None
    end_value: float | None = None
    target_type: str | None = None
    target_low: float | None = None
    target_high: float | None = None
    notes: str | None = None


def _step(step: Step, ordinal: int, parent: int | None) -> FlatStep:
    low, high = step.target.bounds if step.target is not None else (None, None)
    return FlatStep(
        ordinal=ordinal,
        parent_ordinal=parent,
        step_type=step.step_type.value,
        end_type=step.end.type,
        end_value=step.end.value,
        target_type=step.target.type if step.target is not None else None,
        target_low=low,
        target_high=high,
        notes=step.notes,
    )


def flatten(blocks: Sequence[Block]) -> list[FlatStep]:
    """The blocks as step rows in depth-first order; repeats before their steps."""
    rows: list[FlatStep] = []

    def walk(items: Sequence[Block], parent: int | None) -> None:
        for block in items:
            ordinal = len(rows) + 1
            if isinstance(block, Repeat):
                rows.append(
                    FlatStep(
                        ordinal=ordinal, parent_ordinal=parent, step_type="repeat", repeat_count=block.count
                    )
                )
                walk(block.blocks, ordinal)
            else:
                rows.append(_step(block, ordinal, parent))

    walk(blocks, None)
    return rows


@dataclass(frozen=True, slots=True)
class NewWorkout:
    workout: Workout
    scheduled_date: date | None = None
    sport: str = "running"


async def _insert_steps(
    workouts: Workouts, rows: Sequence[WorkoutRow], flat: Sequence[tuple[int, list[FlatStep]]]
) -> None:
    """Insert the flattened steps of several of the user's workouts in one statement (ids drawn from the
    sequence first, so a step can point at its repeat in the same statement)."""
    count = sum(len(steps) for _, steps in flat)
    if not count:
        return
    next_id = iter(await workouts.new_step_ids(count))
    values: list[dict[str, Any]] = []
    for workout_id, steps in flat:
        by_ordinal: dict[int, int] = {}
        for step in steps:
            step_id = next(next_id)
            by_ordinal[step.ordinal] = step_id
            values.append(
                {
                    "id": step_id,
                    "workout_id": workout_id,
                    "parent_step_id": by_ordinal[step.parent_ordinal] if step.parent_ordinal else None,
                    "ordinal": step.ordinal,
                    "step_type": step.step_type,
                    "repeat_count": step.repeat_count,
                    "end_type": step.end_type,
                    "end_value": step.end_value,
                    "target_type": step.target_type,
                    "target_low": step.target_low,
                    "target_high": step.target_high,
                    "notes": step.notes,
                }
            )
    await workouts.insert_steps(rows, values)


async def save_workouts(session: AsyncSession, user_id: int, items: Sequence[NewWorkout]) -> list[WorkoutRow]:
    """Insert the workouts and their flattened steps; returns the rows in the order given. Flushes."""
    if not items:
        return []
    rows = []
    for item in items:
        summary = summarize(item.workout)
        rows.append(
            WorkoutRow(
                user_id=user_id,
                name=item.workout.name[:200],
                kind=item.workout.kind.value,
                sport=item.sport,
                description=item.workout.description,
                scheduled_date=item.scheduled_date,
                estimated_duration_s=round(summary.duration_s, 1),
                estimated_distance_m=round(summary.distance_m, 1),
                structure=item.workout.model_dump(mode="json"),
            )
        )
    workouts = Workouts(session, user_id)
    await workouts.add_all(rows)
    await _insert_steps(
        workouts,
        rows,
        [(row.id, flatten(item.workout.blocks)) for row, item in zip(rows, items, strict=True)],
    )
    return rows


async def save_workout(
    session: AsyncSession, user_id: int, workout: Workout, *, scheduled_date: date | None = None
) -> WorkoutRow:
    return (await save_workouts(session, user_id, [NewWorkout(workout, scheduled_date)]))[0]


async def replace_workout(session: AsyncSession, row: WorkoutRow, workout: Workout) -> None:
    """Give an existing workout row a new structure (and new steps). `pushed_at` is cleared (the watch has
    the old version); `garmin_workout_id` stays, so the next push replaces that copy. Flushes."""
    workouts = Workouts(session, row.user_id)
    await workouts.delete_steps(row)
    summary = summarize(workout)
    row.name = workout.name[:200]
    row.kind = workout.kind.value
    row.description = workout.description
    row.estimated_duration_s = round(summary.duration_s, 1)
    row.estimated_distance_m = round(summary.distance_m, 1)
    row.structure = workout.model_dump(mode="json")
    row.pushed_at = None
    await session.flush()
    await _insert_steps(workouts, [row], [(row.id, flatten(workout.blocks))])


async def load_workout(session: AsyncSession, user_id: int, workout_id: int) -> tuple[WorkoutRow, Workout]:
    """The user's workout row and its typed model; NotFound for another user's or a missing id."""
    row = await Workouts(session, user_id).find(workout_id)
    if row is None:
        raise NotFound(f"No workout with id {workout_id}. Generate one first, or list the plan's sessions.")
    return row, Workout.model_validate(row.structure)


async def step_rows(session: AsyncSession, user_id: int, workout_id: int) -> list[WorkoutStep]:
    """The steps of the user's workout, in order."""
    return await Workouts(session, user_id).steps(workout_id)
