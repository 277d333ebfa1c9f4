"""`adapt_plan`: compare the plan with what was run, mark sessions done / moved / missed, and re-flow the
weeks ahead from the athlete's real volume so every plan rule still holds.

Matching, per past session (rest days aside), oldest first: a run on the session's own day → done (the
longest run of that day); otherwise a run within ±MOVE_WINDOW_DAYS days that no session claims → moved;
otherwise → missed. Today's session is done if there is a run today, else it stays planned.

Real volume: `volume.current_volume`, the one definition `generate_plan` uses too (the larger of the last
7 days' km and 75 % of the 4-week average), so adapting right after generating changes nothing.
The weeks ahead are re-flowed (`reflow.py`) when a session was newly missed or moved, when that real
volume is below 85 % of the plan's last week (once a day), or when asked (`force`); so asking twice
changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from datetime import timedelta

from pydantic import BaseModel, Field

from core.errors import CoachError
from core.models import Activity
from core.models import PlannedSession as SessionRow
from core.models import TrainingPlan as PlanRow
from tools.deps import ToolDeps
from tools.notes.illness import rest_for_illness
from tools.plans.availability_store import load_availability
from tools.plans.model import TrainingPlan
from tools.plans.plans import PlanOut, plan_out
from tools.plans.reflow import reflow_plan
from tools.plans.store import OPEN_STATUSES, load_plan, save_sessions, week_skeleton
from tools.plans.volume import current_volume, runs_by_day
from tools.registry import tool
from tools.training_load.cross_training import strength_by_day
from tools.training_load.strength import add_strength_sessions
from tools.workouts.model import WorkoutKind
from tools.workouts.repository import Workouts

MOVE_WINDOW_DAYS = 2
STRENGTH = WorkoutKind.STRENGTH.value
BEHIND_PLAN = 0.85


def match_sessions(
    sessions: Sequence[SessionRow],
    runs: dict[dt.date, list[Activity]],
    today: dt.date,
    strength: dict[dt.date, list[Activity]] | None = None,
) -> list[tuple[SessionRow, str, int | None]]:
    """(session, new status, activity id) for every open session up to today whose status changes.
    Strength sessions are matched with strength activities of their own day (never with runs)."""
    claimed = {s.activity_id for s in sessions if s.activity_id is not None}
    open_sessions = sorted(
        (s for s in sessions if s.status in OPEN_STATUSES and s.kind != "rest" and s.date <= today),
        key=lambda s: s.date,
    )
    changes: list[tuple[SessionRow, str, int | None]] = []
    for s in [s for s in open_sessions if s.kind == STRENGTH]:
        done = [a for a in (strength or {}).get(s.date, []) if a.id not in claimed]
        if done:
            claimed.add(done[0].id)
            changes.append((s, "done", done[0].id))
        elif s.date < today:
            changes.append((s, "missed", None))
    open_sessions = [s for s in open_sessions if s.kind != STRENGTH]
    unmatched: list[SessionRow] = []
    for s in open_sessions:
        same_day = [a for a in runs.get(s.date, []) if a.id not in claimed]
        if same_day:
            run = max(same_day, key=lambda a: a.distance_m or 0.0)
            claimed.add(run.id)
            changes.append((s, "done", run.id))
        elif s.date < today:
            unmatched.append(s)
    planned_days = {s.date for s in sessions if s.kind not in ("rest", STRENGTH)}
    for s in unmatched:
        nearby = [
            a
            for offset in sorted(range(-MOVE_WINDOW_DAYS, MOVE_WINDOW_DAYS + 1), key=abs)
            if offset and (s.date + timedelta(days=offset)) not in planned_days
            for a in runs.get(s.date + timedelta(days=offset), [])
            if a.id not in claimed
        ]
        if nearby:
            claimed.add(nearby[0].id)
            changes.append((s, "moved", nearby[0].id))
        else:
            changes.append((s, "missed", None))
    return changes


async def recent_volume(deps: ToolDeps) -> float:
    return (await current_volume(deps.session, deps.user_id, deps.tz, deps.today)).km


class WeekChange(BaseModel):
    week_index: int
    start: dt.date
    before_km: float
    after_km: float


class ReflowResult(BaseModel):
    reflowed_weeks: list[WeekChange]
    replaced_pushed_workouts: int = Field(description="replaced sessions that had been sent to Garmin")


async def store_reflow(
    deps: ToolDeps,
    row: PlanRow,
    plan: TrainingPlan,
    sessions: Sequence[tuple[SessionRow, object]],
    from_day: dt.date,
    recent_km: float,
) -> ReflowResult:
    """Re-flow `plan` from `from_day` and store the new sessions of the changed weeks (their old ones
    become `replaced`). Raises when the re-flowed plan would break a rule (nothing is stored then)."""
    availability = await load_availability(deps.session, deps.user_id)
    result = reflow_plan(plan, from_day=from_day, recent_km=recent_km, availability=availability)
    if result.violations:
        raise CoachError(
            "The plan could not be re-flowed within its safety rules: "
            + "; ".join(v.message for v in result.violations[:5])
            + ". Generate a new plan from today instead.",
            details={"violations": [v.rule for v in result.violations]},
        )
    changed = set(result.changed_weeks)
    if not changed:
        return ReflowResult(reflowed_weeks=[], replaced_pushed_workouts=0)
    before = {w.index: w for w in plan.weeks}
    pushed = 0
    for session_row, _ in sessions:
        if session_row.week_index in changed and session_row.status in OPEN_STATUSES:
            session_row.status = "replaced"
            pushed += 1 if await _was_pushed(deps, session_row) else 0
    await deps.session.flush()
    reflowed = add_strength_sessions(
        result.plan, int(row.inputs.get("strength_per_week") or 0), weeks=changed
    )
    new_weeks = [w for w in reflowed.weeks if w.index in changed]
    await save_sessions(deps.session, deps.user_id, row.id, new_weeks)
    row.summary = {**row.summary, "weeks": week_skeleton(reflowed)}
    row.inputs = {
        **row.inputs,
        "reflowed_on": deps.today.isoformat(),
        "reflow_recent_km": round(recent_km, 1),
    }
    await deps.session.flush()
    return ReflowResult(
        reflowed_weeks=[
            WeekChange(
                week_index=w.index,
                start=w.start,
                before_km=round(before[w.index].volume_km, 1),
                after_km=round(w.volume_km, 1),
            )
            for w in new_weeks
        ],
        replaced_pushed_workouts=pushed,
    )


async def _was_pushed(deps: ToolDeps, session_row: SessionRow) -> bool:
    if session_row.workout_id is None:
        return False
    workout = await Workouts(deps.session, deps.user_id).find(session_row.workout_id)
    return workout is not None and workout.garmin_workout_id is not None


class AdaptPlanInput(BaseModel):
    plan_id: int | None = Field(default=None, description="default: the active plan")
    force: bool = Field(default=False, description="re-flow the weeks ahead even if nothing was missed")


class SessionChange(BaseModel):
    session_id: int
    date: dt.date
    kind: str
    status: str
    activity_id: int | None


class AdaptPlanOutput(BaseModel):
    plan_id: int
    marked: list[SessionChange] = Field(description="sessions whose status changed now")
    missed_total: int
    recent_weekly_km: float = Field(description="the volume the weeks ahead ramp from")
    reflowed: bool
    reflowed_weeks: list[WeekChange]
    replaced_pushed_workouts: int
    plan: PlanOut
    notes: list[str]


@tool(side_effect=True)
async def adapt_plan(deps: ToolDeps, args: AdaptPlanInput) -> AdaptPlanOutput:
    """Bring the training plan up to date with what the athlete actually ran: mark past sessions done,
    moved (run on a nearby day) or missed, and — when sessions were missed or moved, or recent volume is
    behind the plan — re-size the weeks ahead from the real volume so the plan keeps every safety rule
    (missed sessions are not made up). Returns what changed and the updated plan with its rule checks."""
    row, plan, sessions = await load_plan(deps.session, deps.user_id, args.plan_id)
    notes: list[str] = []
    rows = [s for s, _ in sessions]
    runs = await runs_by_day(
        deps.session, deps.user_id, deps.tz, plan.start_date - timedelta(days=MOVE_WINDOW_DAYS), deps.today
    )
    strength = await strength_by_day(deps.session, deps.user_id, deps.tz, plan.start_date, deps.today)
    changes = match_sessions(rows, runs, deps.today, strength)
    for session_row, status, activity_id in changes:
        session_row.status = status
        session_row.activity_id = activity_id
    await deps.session.flush()

    rested, well_from = await rest_for_illness(deps, row, plan, sessions)
    if rested:
        notes.append(f"{len(rested)} sessions on days noted as illness are now rest days")

    recent = await recent_volume(deps)
    last_week = next((w for w in reversed(plan.weeks) if w.end < deps.today), None)
    behind = last_week is not None and recent < BEHIND_PLAN * last_week.normalized_volume_km
    newly_off = any(status in ("missed", "moved") for _, status, _ in changes)
    ran_today = bool(runs.get(deps.today))
    reflow = ReflowResult(reflowed_weeks=[], replaced_pushed_workouts=0)
    fresh = row.inputs.get("reflowed_on") == deps.today.isoformat()  # behind, but already re-sized today
    if (newly_off or rested or (behind and not fresh) or args.force) and deps.today <= plan.race_date:
        from_day = deps.today + timedelta(days=1) if ran_today else deps.today
        if well_from is not None:  # the weeks after the illness ramp from what was really run
            from_day = max(from_day, well_from)
        reflow = await store_reflow(deps, row, plan, sessions, from_day, recent)
        if not reflow.reflowed_weeks:
            notes.append("no full week is left before the race to re-flow; adjust the days left one by one")
    if reflow.replaced_pushed_workouts:
        notes.append(
            f"{reflow.replaced_pushed_workouts} replaced sessions had been sent to Garmin: push the new ones"
        )
    if behind:
        notes.append(f"recent running ({recent:.0f} km/week) is behind the plan: the weeks ahead start lower")
    row, plan, sessions = await load_plan(deps.session, deps.user_id, row.id)
    return AdaptPlanOutput(
        plan_id=row.id,
        marked=[
            SessionChange(session_id=s.id, date=s.date, kind=s.kind, status=status, activity_id=activity_id)
            for s, status, activity_id in changes
        ],
        missed_total=sum(1 for s, _ in sessions if s.status == "missed"),
        recent_weekly_km=round(recent, 1),
        reflowed=bool(reflow.reflowed_weeks),
        reflowed_weeks=reflow.reflowed_weeks,
        replaced_pushed_workouts=reflow.replaced_pushed_workouts,
        plan=plan_out(row, plan, sessions),
        notes=notes,
    )
