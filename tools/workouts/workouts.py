"""The coach's workout tools: build a structured workout at the athlete's paces, show one, send one to
Garmin Connect (with approval)."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.errors import InvalidInput, NotFound
from core.models import Workout as WorkoutRow
from tools.deps import ToolDeps
from tools.fitness.pacing import athlete_vdot
from tools.fitness.vdot import MAX_VDOT, MIN_VDOT, training_paces
from tools.garmin.client import GarminNotFound, open_garmin
from tools.plans.store import open_session_on
from tools.registry import tool
from tools.workouts.describe import describe
from tools.workouts.garmin_payload import as_garmin_shows, garmin_workout
from tools.workouts.model import Workout, WorkoutKind, summarize
from tools.workouts.sessions import build_workout
from tools.workouts.store import load_workout, save_workout

GeneratedKind = Literal[
    "easy", "recovery", "long", "tempo", "intervals", "hills", "strides", "race_pace", "race"
]
MAX_PUSH_AHEAD_DAYS = 366


def _clamp(value: float | None, low: float, high: float, name: str, notes: list[str]) -> float | None:
    if value is None:
        return None
    clamped = min(max(value, low), high)
    if clamped != value:
        notes.append(f"{name} clamped to {clamped:g}")
    return clamped


class WorkoutSummaryOut(BaseModel):
    duration_min: float
    distance_km: float
    easy_min: float
    moderate_min: float
    hard_min: float


class WorkoutOut(BaseModel):
    workout_id: int
    name: str
    kind: str
    scheduled_date: date | None
    summary: WorkoutSummaryOut
    steps: list[str] = Field(description="the workout as the athlete reads it")
    structure: dict[str, Any] = Field(description="the structured workout (blocks, targets in s/km, bpm, W)")
    garmin_workout_id: str | None = None
    pushed_at: datetime | None = None


class GeneratedWorkout(WorkoutOut):
    vdot: float
    vdot_basis: str
    notes: list[str]


def workout_out(row: WorkoutRow, workout: Workout) -> WorkoutOut:
    summary = summarize(workout)
    return WorkoutOut(
        workout_id=row.id,
        name=row.name,
        kind=row.kind,
        scheduled_date=row.scheduled_date,
        summary=WorkoutSummaryOut(
            duration_min=round(summary.duration_s / 60.0, 1),
            distance_km=round(summary.distance_m / 1000.0, 2),
            easy_min=round(summary.easy_s / 60.0, 1),
            moderate_min=round(summary.moderate_s / 60.0, 1),
            hard_min=round(summary.hard_s / 60.0, 1),
        ),
        steps=describe(workout.blocks),
        structure=workout.model_dump(mode="json"),
        garmin_workout_id=row.garmin_workout_id,
        pushed_at=row.pushed_at,
    )


class GenerateWorkoutInput(BaseModel):
    kind: GeneratedKind = Field(
        description="easy, recovery, long, tempo, intervals, hills, strides, race_pace, race"
    )
    distance_km: float | None = Field(default=None, description="easy/recovery/long/strides: km (1–50)")
    quality_minutes: float | None = Field(
        default=None, description="tempo/intervals/hills/race_pace: minutes of work; long: minutes at M pace"
    )
    race_distance_m: float | None = Field(
        default=None, description="race_pace/race: the race distance in metres"
    )
    race_pace_s_per_km: float | None = Field(default=None, description="race_pace/race: goal pace (s/km)")
    vdot: float | None = Field(
        default=None, description="pace the workout from this VDOT (default: the athlete's)"
    )
    date: dt.date | None = Field(default=None, description="the day it is planned for")
    name: str | None = Field(default=None, max_length=80)


@tool(side_effect=True)
async def generate_workout(deps: ToolDeps, args: GenerateWorkoutInput) -> GeneratedWorkout:
    """Build and save a structured workout (warm-up, steps with pace targets, repeats, recoveries,
    cool-down) of a kind — easy, recovery, long, tempo, intervals, hills, strides, race_pace, race — at the
    athlete's own Daniels paces (from the VDOT given, the active plan, their best recent efforts or their
    threshold pace; `vdot_basis` says which). Returns its id (for push_workout), its steps and summary."""
    notes: list[str] = []
    distance_km = _clamp(args.distance_km, 1.0, 50.0, "distance_km", notes)
    minutes = _clamp(args.quality_minutes, 0.0, 150.0, "quality_minutes", notes)
    race_m = _clamp(args.race_distance_m, 800.0, 42_195.0, "race_distance_m", notes)
    race_pace = _clamp(args.race_pace_s_per_km, 150.0, 900.0, "race_pace_s_per_km", notes)
    given = _clamp(args.vdot, MIN_VDOT, MAX_VDOT, "vdot", notes)
    if args.kind == "race" and race_m is None:
        raise InvalidInput("A race workout needs race_distance_m (and optionally race_pace_s_per_km).")
    if args.date is not None and args.date < deps.today:
        raise InvalidInput(f"{args.date} is in the past; plan the workout for today or later.")
    vdot, basis = await athlete_vdot(deps, given)
    workout = build_workout(
        WorkoutKind(args.kind),
        training_paces(vdot),
        distance_km=distance_km,
        quality_minutes=minutes,
        race_pace_s_per_km=race_pace,
        race_distance_m=race_m,
        name=args.name,
    )
    row = await save_workout(deps.session, deps.user_id, workout, scheduled_date=args.date)
    out = workout_out(row, workout)
    return GeneratedWorkout(**out.model_dump(), vdot=round(vdot, 1), vdot_basis=basis, notes=notes)


class GetWorkoutInput(BaseModel):
    workout_id: int


@tool()
async def get_workout(deps: ToolDeps, args: GetWorkoutInput) -> WorkoutOut:
    """One saved workout: its steps, targets, summary, and whether (and when) it was sent to Garmin."""
    workout_id = args.workout_id
    if workout_id is None:
        day = args.date or deps.today + timedelta(days=1)
        planned, _ = await open_session_on(deps.session, deps.user_id, day)
        if planned is None or planned.workout_id is None:
            raise NotFound(
                f"Your plan has no session to send on {day:%A %d %B}. Name a workout (list_workouts) or "
                "generate one first."
            )
        workout_id, args = planned.workout_id, args.model_copy(update={"date": day})
    row, workout = await load_workout(deps.session, deps.user_id, workout_id)
    return workout_out(row, workout)


class PushWorkoutInput(BaseModel):
    workout_id: int | None = Field(
        default=None,
        description="the saved workout to send; omit it for the plan's session on `date` (default tomorrow)",
    )
    date: dt.date | None = Field(
        default=None, description="day to schedule it on (default its planned day, else today)"
    )


class PushWorkoutOutput(BaseModel):
    workout_id: int
    garmin_workout_id: str
    scheduled_date: date
    replaced_garmin_workout_id: str | None = Field(description="the earlier copy on Garmin that was removed")
    as_garmin_shows: list[str] = Field(description="the steps as Garmin Connect will display them")
    message: str


@tool(side_effect=True)
async def push_workout(deps: ToolDeps, args: PushWorkoutInput) -> PushWorkoutOutput:
    """Send a workout to the athlete's Garmin calendar, so it syncs to the watch (needs their approval).

    `workout_id` names a saved workout; without it, the active plan's session on `date` (default tomorrow) is
    sent. Pace targets go as Garmin pace zones, heart rate as heart-rate targets, power as power. Pushing the
    same workout again replaces the earlier copy on Garmin."""
    workout_id, wanted = args.workout_id, args.date
    if workout_id is None:
        wanted = wanted or deps.today + timedelta(days=1)
        planned, _ = await open_session_on(deps.session, deps.user_id, wanted)
        if planned is None or planned.workout_id is None:
            raise NotFound(
                f"Your plan has no session to send on {wanted:%A %d %B}. Give a workout's id, or "
                "generate one first (generate_workout)."
            )
        workout_id = planned.workout_id
    row, workout = await load_workout(deps.session, deps.user_id, workout_id)
    day = wanted or (row.scheduled_date if row.scheduled_date and row.scheduled_date >= deps.today else None)
    day = day or deps.today
    if day < deps.today:
        raise InvalidInput(f"{day} is in the past; schedule the workout for today or later.")
    if day > deps.today + timedelta(days=MAX_PUSH_AHEAD_DAYS):
        raise InvalidInput("Garmin's calendar takes workouts up to a year ahead; pick an earlier date.")
    payload = garmin_workout(workout, name=row.name)
    connection = deps.clients.get("garmin") or await open_garmin(deps.user_id)
    replaced = None
    if row.garmin_workout_id:
        try:
            await connection.call(
                connection.api.delete_workout, row.garmin_workout_id, what="removing the earlier copy"
            )
            replaced = row.garmin_workout_id
        except GarminNotFound:
            replaced = None  # the athlete already deleted it on Garmin
    created = await connection.call(connection.api.upload_workout, payload, what="uploading the workout")
    garmin_id = str(created["workoutId"])
    row.garmin_workout_id = garmin_id  # saved before scheduling: a failed schedule must not orphan it
    await deps.session.flush()
    await connection.call(
        connection.api.schedule_workout, garmin_id, day.isoformat(), what="scheduling the workout"
    )
    row.scheduled_date = day
    row.pushed_at = datetime.now(UTC)
    await deps.session.flush()
    return PushWorkoutOutput(
        workout_id=row.id,
        garmin_workout_id=garmin_id,
        scheduled_date=day,
        replaced_garmin_workout_id=replaced,
        as_garmin_shows=as_garmin_shows(payload),
        message=f"“{row.name}” is on your Garmin calendar for {day:%A %d %B}; sync the watch to get it.",
    )
