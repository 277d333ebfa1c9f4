"""Training plans in `training_plans` + `planned_sessions` (+ one `workouts` row per session), and back.

`training_plans.inputs` keeps what the plan was generated from (race, VDOT, race pace, days per week, long-run
day, volumes); `training_plans.summary` keeps the week skeleton (index, dates, phase, recovery flag). Each
session is a `planned_sessions` row (date, week, phase, kind, planned distance and duration, status) whose
workout is a `workouts` row. `load_plan` rebuilds the pure `TrainingPlan` from those rows, so
`check_plan` can be run on exactly what is stored.

Session status: planned → done (an activity that day) | missed | moved (done on a nearby day) | adjusted
(changed by adjust_today) | replaced (superseded when the plan was re-flowed).

An adjusted session runs a different workout than the plan designed. The design stays in the plan:
`summary["design"][session id]` keeps the original workout, and `rebuild_plan` uses it, so the rules are
checked on the plan as designed — a lighter day is a deviation from the plan (like a missed one), and
`adapt_plan` re-sizes the weeks ahead from what was really run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.models import PlannedSession as SessionRow
from core.models import TrainingPlan as PlanRow
from tools.plans.model import Phase, PlannedSession, PlanWeek, TrainingPlan
from tools.plans.repository import ACTIVE as ACTIVE
from tools.plans.repository import LIVE_STATUSES as LIVE_STATUSES
from tools.plans.repository import OPEN_STATUSES as OPEN_STATUSES
from tools.plans.repository import PlannedSessions, Plans
from tools.workouts.model import Workout
from tools.workouts.store import NewWorkout, save_workouts

DESIGN = "design"


def plan_inputs(plan: TrainingPlan, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "race_date": plan.race_date.isoformat(),
        "race_distance_m": plan.race_distance_m,
        "goal_time_s": plan.goal_time_s,
        "vdot": plan.vdot,
        "race_pace_s_per_km": plan.race_pace_s_per_km,
        "days_per_week": plan.days_per_week,
        "long_run_weekday": plan.long_run_weekday,
        "current_weekly_km": plan.current_weekly_km,
        "max_weekly_km": plan.max_weekly_km,
        **(extra or {}),
    }


def shown_fields(row: SessionRow) -> dict[str, Any]:
    """What the plan and the calendar show of a stored session (kilometres and minutes, rounded)."""
    return {
        "session_id": row.id,
        "date": row.date,
        "kind": row.kind,
        "title": row.title,
        "distance_km": round((row.planned_distance_m or 0.0) / 1000.0, 1),
        "duration_min": round((row.planned_duration_s or 0.0) / 60.0),
        "is_key": row.is_key,
        "status": row.status,
        "workout_id": row.workout_id,
    }


def week_skeleton(plan: TrainingPlan) -> list[dict[str, Any]]:
    return [
        {
            "index": w.index,
            "start": w.start.isoformat(),
            "end": w.end.isoformat(),
            "phase": w.phase.value,
            "is_recovery": w.is_recovery,
            "volume_km": round(w.volume_km, 2),
        }
        for w in plan.weeks
    ]


async def save_sessions(
    session: AsyncSession, user_id: int, plan_id: int, weeks: Sequence[PlanWeek]
) -> list[SessionRow]:
    """Store the sessions of `weeks` (with their workouts) under the plan. Flushes."""
    sessions = [(week, s) for week in weeks for s in week.sessions]
    workouts = await save_workouts(session, user_id, [NewWorkout(s.workout, s.day) for _, s in sessions])
    rows = [
        SessionRow(
            plan_id=plan_id,
            user_id=user_id,
            date=s.day,
            week_index=week.index,
            phase=week.phase.value,
            kind=s.kind.value,
            title=s.workout.name[:200],
            is_key=s.is_key,
            planned_distance_m=round(s.planned_distance_m, 1),
            planned_duration_s=round(s.planned_duration_s, 1),
            workout_id=workout.id,
            status="planned",
        )
        for (week, s), workout in zip(sessions, workouts, strict=True)
    ]
    await PlannedSessions(session, user_id).add_all(rows)
    return rows


async def save_plan(
    session: AsyncSession,
    user_id: int,
    plan: TrainingPlan,
    *,
    name: str,
    race_id: int | None = None,
    extra_inputs: dict[str, Any] | None = None,
) -> PlanRow:
    """Store `plan` as the user's active plan (earlier active plans are archived). Flushes."""
    plans = Plans(session, user_id)
    await plans.archive_active()
    row = PlanRow(
        race_id=race_id,
        name=name[:200],
        status=ACTIVE,
        start_date=plan.start_date,
        end_date=plan.race_date,
        inputs=plan_inputs(plan, extra_inputs),
        summary={"weeks": week_skeleton(plan)},
    )
    await plans.add_flushed(row)
    await save_sessions(session, user_id, row.id, plan.weeks)
    return row


async def plan_row(session: AsyncSession, user_id: int, plan_id: int | None) -> PlanRow:
    """The user's plan with that id, or their active plan; NotFound otherwise."""
    plans = Plans(session, user_id)
    row = await plans.find(plan_id) if plan_id is not None else await plans.active()
    if row is None:
        raise NotFound(
            f"No training plan with id {plan_id}."
            if plan_id is not None
            else "The athlete has no active plan; generate one with generate_plan."
        )
    return row


async def session_rows(session: AsyncSession, plan: PlanRow) -> list[tuple[SessionRow, Workout]]:
    """The plan's live sessions (not replaced) with their workouts, by date."""
    rows = await PlannedSessions(session, plan.user_id).live_with_structure(plan.id)
    return [(row, Workout.model_validate(structure)) for row, structure in rows]


def remember_design(row: PlanRow, session_row: SessionRow, workout: Workout) -> None:
    """Keep the designed workout of a session that is about to run a different one (first change wins)."""
    designs = dict(row.summary.get(DESIGN, {}))
    designs.setdefault(str(session_row.id), workout.model_dump(mode="json"))
    row.summary = {**row.summary, DESIGN: designs}


def rebuild_plan(row: PlanRow, sessions: Sequence[tuple[SessionRow, Workout]]) -> TrainingPlan:
    """The pure plan, as designed, from its stored rows."""
    inputs = row.inputs
    designs = row.summary.get(DESIGN, {})
    by_week: dict[int, list[PlannedSession]] = {}
    for session_row, workout in sessions:
        design = designs.get(str(session_row.id))
        planned = Workout.model_validate(design) if design is not None else workout
        by_week.setdefault(session_row.week_index, []).append(
            PlannedSession(day=session_row.date, workout=planned)
        )
    weeks = [
        PlanWeek(
            index=w["index"],
            start=date.fromisoformat(w["start"]),
            end=date.fromisoformat(w["end"]),
            phase=Phase(w["phase"]),
            is_recovery=w["is_recovery"],
            sessions=sorted(by_week.get(w["index"], []), key=lambda s: s.day),
        )
        for w in row.summary["weeks"]
    ]
    return TrainingPlan(
        race_date=date.fromisoformat(inputs["race_date"]),
        race_distance_m=inputs["race_distance_m"],
        start_date=row.start_date,
        vdot=inputs["vdot"],
        race_pace_s_per_km=inputs["race_pace_s_per_km"],
        goal_time_s=inputs.get("goal_time_s"),
        days_per_week=inputs["days_per_week"],
        long_run_weekday=inputs["long_run_weekday"],
        current_weekly_km=inputs["current_weekly_km"],
        max_weekly_km=inputs["max_weekly_km"],
        weeks=weeks,
    )


def as_run_plan(row: PlanRow, sessions: Sequence[tuple[SessionRow, Workout]]) -> TrainingPlan:
    """The plan as it will be run: every session's current workout, not the design it replaced."""
    bare = PlanRow(
        inputs=row.inputs,
        summary={k: v for k, v in row.summary.items() if k != DESIGN},
        start_date=row.start_date,
    )
    return rebuild_plan(bare, sessions)


async def load_plan(
    session: AsyncSession, user_id: int, plan_id: int | None = None
) -> tuple[PlanRow, TrainingPlan, list[tuple[SessionRow, Workout]]]:
    row = await plan_row(session, user_id, plan_id)
    sessions = await session_rows(session, row)
    return row, rebuild_plan(row, sessions), sessions


async def open_session_on(
    session: AsyncSession, user_id: int, day: date
) -> tuple[SessionRow, PlanRow] | tuple[None, None]:
    """The athlete's open session of the active plan on `day` (the first one, if a day holds two)."""
    found = await PlannedSessions(session, user_id).open_on(day)
    return found if found is not None else (None, None)
