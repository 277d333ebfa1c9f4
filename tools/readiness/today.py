"""`adjust_today` proposes a change to today's planned session from this morning's readiness, with the
reasons; `apply_today_adjustment` applies it once the athlete agrees (it needs approval).

Proposal, by readiness label: rest → a rest day; take it easy → a key session (long run, quality) becomes
an easy run of 60 % of its distance, any other run is shortened to 75 %; normal, ready or unknown → keep
(with the low signals named, if any). The race itself is never changed. Every easy run is at least 3 km.

A proposal says why: the readiness reasons, and last night's signals beside the athlete's own baselines
(`signals.py`: "HRV 41 ms vs your 28-night baseline 62 ms").

Applying replaces the session's workout (what the athlete runs and what is pushed to the watch) and marks
it `adjusted`; the plan keeps the designed workout (`plan_store.remember_design`), so the plan's rules are
still those of its design. When the session's workout was on Garmin, the approved change goes there too:
the new workout is pushed (push_workout deletes the old copy first, so the watch has exactly one), or for a
rest day the old copy is deleted. A lighter day is a deviation, like a missed one: `adapt_plan` re-sizes the
weeks ahead from what was really run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from core.errors import CoachError, InvalidInput, NotFound
from core.models import PlannedSession as SessionRow
from core.models import Workout as WorkoutRow
from tools.activities.visibility import hidden_sources
from tools.deps import ToolDeps
from tools.fitness.vdot import training_paces
from tools.garmin.client import GarminNotFound, open_garmin
from tools.plans.plans import ViolationOut, violations_out
from tools.plans.repository import PlannedSessions
from tools.plans.rules import check_plan
from tools.plans.store import OPEN_STATUSES, load_plan, open_session_on, remember_design
from tools.readiness.readiness import assess_readiness
from tools.readiness.signals import Signal, health_signals
from tools.registry import tool
from tools.workouts.describe import describe
from tools.workouts.model import Workout, WorkoutKind, summarize
from tools.workouts.sessions import build_workout
from tools.workouts.store import load_workout, replace_workout
from tools.workouts.workouts import PushWorkoutInput, push_workout

Action = Literal["keep", "easy", "shorten", "rest"]
Change = Literal["easy", "shorten", "rest"]
EASY_SHARE = 0.60
SHORTEN_SHARE = 0.75
MIN_EASY_KM = 3.0


def propose(label: str, session: SessionRow | None) -> tuple[Action, str]:
    """The action for today's session given the readiness label, and why."""
    if session is None:
        return "keep", "no session is planned today"
    if session.kind == WorkoutKind.RACE.value:
        return "keep", "race day: the race is not changed"
    if session.kind == WorkoutKind.REST.value:
        return "keep", "today is already a rest day"
    if label == "rest":
        return "rest", "readiness says rest: take the day off"
    if label == "take it easy":
        if session.is_key:
            return "easy", "readiness says take it easy: swap the key session for a short easy run"
        return "shorten", "readiness says take it easy: shorten the run"
    if label == "unknown":
        return "keep", "no readiness data this morning: go by feel"
    return "keep", f"readiness is {label}: train as planned"


def adjusted_workout(action: Change, session: SessionRow, vdot: float) -> Workout:
    """The workout that replaces the session's for `action`."""
    if action == "rest":
        return Workout(kind=WorkoutKind.REST, name="Rest day (adjusted)", description="Rest day: no running.")
    planned_km = (session.planned_distance_m or 0.0) / 1000.0
    share = EASY_SHARE if action == "easy" else SHORTEN_SHARE
    km = max(MIN_EASY_KM, round(planned_km * share, 1))
    kind = WorkoutKind.RECOVERY if session.kind == WorkoutKind.RECOVERY.value else WorkoutKind.EASY
    title = f"{kind.value.capitalize()} run (adjusted from {session.title.lower()})"
    return build_workout(kind, training_paces(vdot), distance_km=km, name=title)


class ProposedWorkout(BaseModel):
    title: str
    kind: str
    distance_km: float
    duration_min: float
    steps: list[str]


class TodaySession(BaseModel):
    session_id: int
    title: str
    kind: str
    is_key: bool
    distance_km: float
    duration_min: float
    status: str


class AdjustTodayInput(BaseModel):
    pass


class AdjustTodayOutput(BaseModel):
    day: dt.date
    readiness_score: int | None
    readiness_label: str
    readiness_reasons: list[str]
    session: TodaySession | None
    signals: list[Signal] = Field(description="last night's signals beside the athlete's baselines")
    action: Action
    why: str
    proposal: ProposedWorkout | None = Field(description="the replacement workout (None when keeping)")
    apply_with: dict[str, object] | None = Field(
        description="arguments for apply_today_adjustment, to call only after the athlete agrees"
    )


def _proposed(workout: Workout) -> ProposedWorkout:
    summary = summarize(workout)
    return ProposedWorkout(
        title=workout.name,
        kind=workout.kind.value,
        distance_km=round(summary.distance_m / 1000.0, 1),
        duration_min=round(summary.duration_s / 60.0),
        steps=describe(workout.blocks),
    )


@tool()
async def adjust_today(deps: ToolDeps, args: AdjustTodayInput) -> AdjustTodayOutput:
    """Look at this morning's readiness (sleep, HRV, resting HR, training load) and today's planned session,
    and propose what to do: keep it, swap it for an easy run, shorten it, or rest — with the reasons. It
    changes nothing: show the proposal to the athlete and, only if they agree, call apply_today_adjustment
    with `apply_with`."""
    result, _, _, notes = await assess_readiness(
        deps.session, deps.user_id, deps.tz, deps.today, hide_sources=hidden_sources(deps)
    )
    session, plan = await open_session_on(deps.session, deps.user_id, deps.today)
    action, why = propose(result.label, session)
    signals = await health_signals(deps.session, deps.user_id, deps.today)
    if action != "keep":
        named = [s.text for s in signals if s.worse] or [s.text for s in signals if s.baseline is not None]
        if named:
            why = f"{why} ({'; '.join(named)})"
    reasons = [r.text for r in result.reasons if r.status != "ok"] + notes
    proposal = None
    apply_with: dict[str, object] | None = None
    if action != "keep" and session is not None and plan is not None:
        proposal = _proposed(adjusted_workout(action, session, float(plan.inputs["vdot"])))
        apply_with = {"session_id": session.id, "action": action}
    return AdjustTodayOutput(
        day=deps.today,
        readiness_score=result.score,
        readiness_label=result.label,
        readiness_reasons=reasons,
        session=TodaySession(
            session_id=session.id,
            title=session.title,
            kind=session.kind,
            is_key=session.is_key,
            distance_km=round((session.planned_distance_m or 0.0) / 1000.0, 1),
            duration_min=round((session.planned_duration_s or 0.0) / 60.0),
            status=session.status,
        )
        if session is not None
        else None,
        signals=signals,
        action=action,
        why=why,
        proposal=proposal,
        apply_with=apply_with,
    )


class ApplyTodayInput(BaseModel):
    session_id: int
    action: Change = Field(description="easy, shorten or rest — as proposed by adjust_today")


class ApplyTodayOutput(BaseModel):
    session_id: int
    date: dt.date
    action: Change
    workout: ProposedWorkout
    checks: list[ViolationOut] = Field(description="rule violations of the plan's design (empty)")
    garmin: Literal["not pushed", "replaced", "removed", "failed"] = Field(
        description="what happened to the copy on Garmin: replaced by the new workout, removed (rest day)"
    )
    message: str


@tool(side_effect=True)
async def apply_today_adjustment(deps: ToolDeps, args: ApplyTodayInput) -> ApplyTodayOutput:
    """Apply an adjustment adjust_today proposed, after the athlete agreed (needs approval): replace the
    session's workout with the easier one (or a rest day) and mark it adjusted. If the session was on the
    athlete's Garmin calendar, the new workout replaces it there (a rest day removes it). adapt_plan later
    re-sizes the coming weeks from what was really run."""
    session = await PlannedSessions(deps.session, deps.user_id).get(args.session_id)
    if session is None:
        raise NotFound(f"No planned session with id {args.session_id}. Ask adjust_today for today's session.")
    if session.date < deps.today or session.status not in OPEN_STATUSES:
        raise InvalidInput(f"That session ({session.date}, {session.status}) can no longer be changed.")
    if session.kind == WorkoutKind.RACE.value:
        raise InvalidInput("The race itself is not adjusted.")
    row, plan, _ = await load_plan(deps.session, deps.user_id, session.plan_id)
    workout = adjusted_workout(args.action, session, plan.vdot)
    workout_row = None
    if session.workout_id is not None:
        workout_row, designed = await load_workout(deps.session, deps.user_id, session.workout_id)
        remember_design(row, session, designed)
        await replace_workout(deps.session, workout_row, workout)
    summary = summarize(workout)
    session.kind = workout.kind.value
    session.title = workout.name[:200]
    session.is_key = False
    session.planned_distance_m = round(summary.distance_m, 1)
    session.planned_duration_s = round(summary.duration_s, 1)
    session.status = "adjusted"
    session.notes = f"{args.action} (applied {deps.today})"
    await deps.session.flush()

    _, plan, _ = await load_plan(deps.session, deps.user_id, row.id)
    message = f"{session.date:%A}: {workout.name}. The rest of the plan is unchanged."
    garmin: Literal["not pushed", "replaced", "removed", "failed"] = "not pushed"
    if workout_row is not None and workout_row.garmin_workout_id is not None:
        try:
            if args.action == "rest":
                await _remove_from_garmin(deps, workout_row)
                garmin, note = "removed", " The old workout is off your Garmin calendar."
            else:
                await push_workout(deps, PushWorkoutInput(workout_id=workout_row.id, date=session.date))
                garmin, note = "replaced", " Your Garmin calendar has the new workout: sync the watch."
        except CoachError as exc:  # the plan is changed; only the watch is behind
            garmin, note = "failed", f" Garmin was not updated ({exc.message}): push today's workout again."
        message += note
    return ApplyTodayOutput(
        session_id=session.id,
        date=session.date,
        action=args.action,
        workout=_proposed(workout),
        checks=violations_out(check_plan(plan)),
        garmin=garmin,
        message=message,
    )


async def _remove_from_garmin(deps: ToolDeps, workout_row: WorkoutRow) -> None:
    """Delete the workout's copy on Garmin (a rest day has nothing to run); gone already is fine."""
    assert workout_row.garmin_workout_id is not None
    connection = deps.clients.get("garmin") or await open_garmin(deps.user_id)
    with contextlib.suppress(GarminNotFound):
        await connection.call(
            connection.api.delete_workout, workout_row.garmin_workout_id, what="removing the old workout"
        )
    workout_row.garmin_workout_id = None
    workout_row.scheduled_date = None
    await deps.session.flush()
