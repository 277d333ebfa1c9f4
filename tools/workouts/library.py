"""The athlete's saved workouts as a list, a structured workout of their own, and deleting one.

A workout that is a session of a training plan is not deleted here (the plan would lose a day without
knowing it): adapt or regenerate the plan instead. Deleting a workout removes RunCoach's copy only; a copy
already sent to Garmin stays on the Garmin calendar until removed there (the answer says so).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, model_validator

from core.errors import Conflict, InvalidInput
from tools.deps import ToolDeps
from tools.workouts.model import Workout
from tools.workouts.repository import Workouts
from tools.workouts.store import load_workout, save_workout
from tools.workouts.workouts import WorkoutOut, workout_out

MAX_PAGE = 200


class WorkoutFilters(BaseModel):
    scheduled_from: dt.date | None = Field(default=None, description="planned on or after this day")
    scheduled_to: dt.date | None = Field(default=None, description="planned on or before this day")
    include_plan_sessions: bool = Field(default=False, description="also the workouts of plan sessions")
    limit: int = Field(default=50, ge=1, le=MAX_PAGE)
    offset: int = Field(default=0, ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _ordered(self) -> WorkoutFilters:
        if self.scheduled_from and self.scheduled_to and self.scheduled_from > self.scheduled_to:
            raise ValueError("scheduled_from is after scheduled_to; swap the dates")
        return self


class WorkoutPage(BaseModel):
    items: list[WorkoutOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class NewWorkoutInput(BaseModel):
    workout: Workout = Field(description="the structured workout: blocks of steps and repeats with targets")
    scheduled_date: dt.date | None = Field(default=None, description="the day it is planned for")


class DeletedWorkout(BaseModel):
    deleted: bool
    id: int
    garmin_copy_left: bool = Field(description="a copy was sent to Garmin; remove it there if unwanted")


async def list_workouts(deps: ToolDeps, filters: WorkoutFilters) -> WorkoutPage:
    """The user's workouts, newest scheduled first (unscheduled last), one page with the total."""
    total, rows = await Workouts(deps.session, deps.user_id).page(
        include_plan_sessions=filters.include_plan_sessions,
        scheduled_from=filters.scheduled_from,
        scheduled_to=filters.scheduled_to,
        limit=filters.limit,
        offset=filters.offset,
    )
    items = [workout_out(row, Workout.model_validate(row.structure)) for row in rows]
    following = filters.offset + len(items)
    return WorkoutPage(
        items=items,
        total=total,
        limit=filters.limit,
        offset=filters.offset,
        next_offset=following if following < total else None,
    )


async def create_workout(deps: ToolDeps, args: NewWorkoutInput) -> WorkoutOut:
    """Save a structured workout the athlete built; it can then be pushed to Garmin."""
    if args.scheduled_date is not None and args.scheduled_date < deps.today:
        raise InvalidInput(f"{args.scheduled_date} is in the past; plan the workout for today or later.")
    row = await save_workout(deps.session, deps.user_id, args.workout, scheduled_date=args.scheduled_date)
    return workout_out(row, args.workout)


async def delete_workout(deps: ToolDeps, workout_id: int) -> DeletedWorkout:
    """Delete one of the user's own workouts (with its steps); not one that is a plan session."""
    row, _ = await load_workout(deps.session, deps.user_id, workout_id)
    workouts = Workouts(deps.session, deps.user_id)
    if await workouts.in_plan(row.id):
        raise Conflict(
            "This workout is a session of your training plan; adapt or regenerate the plan instead of "
            "deleting the session's workout."
        )
    garmin = row.garmin_workout_id is not None
    await workouts.remove(row)
    return DeletedWorkout(deleted=True, id=workout_id, garmin_copy_left=garmin)
