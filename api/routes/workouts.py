"""Structured workouts: list, get, create, generate at your paces, push to Garmin, delete. Logic in
`tools.workouts`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from api.deps import RowId, ToolDepsDep
from api.errors import problem_responses
from core.database import keep_on_error
from core.errors import CoachError
from tools.workouts import library
from tools.workouts import workouts as tools
from tools.workouts.library import DeletedWorkout, NewWorkoutInput, WorkoutFilters, WorkoutPage
from tools.workouts.workouts import (
    GeneratedWorkout,
    GenerateWorkoutInput,
    GetWorkoutInput,
    PushWorkoutInput,
    PushWorkoutOutput,
    WorkoutOut,
)

TAGS = [{"name": "workouts", "description": "Structured workouts: build, generate, send to Garmin"}]
router = APIRouter(prefix="/workouts", tags=["workouts"])


@router.get(
    "",
    summary="List workouts",
    description="Your saved workouts, latest scheduled first, a page at a time. Plan sessions' workouts are "
    "left out unless `include_plan_sessions` (see the plan calendar for those).",
)
async def list_workouts(deps: ToolDepsDep, filters: Annotated[WorkoutFilters, Query()]) -> WorkoutPage:
    return await library.list_workouts(deps, filters)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a structured workout",
    description="Save a workout you built: steps (warm-up, active, recovery, rest, cool-down) ending by "
    "time, distance or the lap button, with pace, heart-rate, cadence or power targets, and nested repeats.",
)
async def create_workout(body: NewWorkoutInput, deps: ToolDepsDep) -> WorkoutOut:
    return await library.create_workout(deps, body)


@router.post(
    "/generate",
    status_code=status.HTTP_201_CREATED,
    summary="Generate a workout at your paces",
    description="Build and save a structured workout of a kind (easy, long, tempo, intervals, …) at your own "
    "Daniels paces; `vdot_basis` says where the paces come from.",
)
async def generate_workout(body: GenerateWorkoutInput, deps: ToolDepsDep) -> GeneratedWorkout:
    return await tools.generate_workout(deps, body)


@router.get(
    "/{workout_id}",
    summary="Get a workout",
    description="Steps, targets, summary, and whether (and when) it was sent to Garmin.",
    responses=problem_responses(404),
)
async def get_workout(workout_id: RowId, deps: ToolDepsDep) -> WorkoutOut:
    return await tools.get_workout(deps, GetWorkoutInput(workout_id=workout_id))


class PushBody(BaseModel):
    date: dt.date | None = Field(default=None, description="day to schedule it on (default its planned day)")


@router.post(
    "/{workout_id}/push",
    summary="Send a workout to Garmin",
    description="Uploads the workout to Garmin Connect and schedules it (your click is the approval). "
    "Pushing again replaces the earlier copy. Garmin not connected, its sign-in expired, or Garmin failing "
    "is a problem response that says what to do.",
    responses=problem_responses(404, 409, 429, 502),
)
async def push_workout(workout_id: RowId, body: PushBody, deps: ToolDepsDep) -> PushWorkoutOutput:
    try:
        return await tools.push_workout(deps, PushWorkoutInput(workout_id=workout_id, date=body.date))
    except CoachError:
        # keep what already happened on Garmin (the id of an uploaded copy whose scheduling failed), so
        # the next push replaces that copy instead of leaving an orphan on the athlete's Garmin account
        keep_on_error(deps.session)
        raise


@router.delete(
    "/{workout_id}",
    summary="Delete a workout",
    description="Deletes your workout (your click is the approval). A plan session's workout is a 409: adapt "
    "the plan instead. A copy already on Garmin stays there (`garmin_copy_left`).",
    responses=problem_responses(404, 409),
)
async def delete_workout(workout_id: RowId, deps: ToolDepsDep) -> DeletedWorkout:
    return await library.delete_workout(deps, workout_id)
