"""A calendar note proposes a change to the active plan; the athlete approves it, then it is applied.

`propose_note_changes` (read-only) runs the pure re-flow (`tools.notes.effects`) on the plan as it will be
run and lists what would change: day by day in the weeks the note touches, week volumes for the weeks
re-flowed after them, and the rule checks on the result. `apply_note_changes` (side effect: the agent asks,
the web page shows an Apply button) computes the same proposal and stores it: a changed session gets its
new workout (status `adjusted`, the reason in its notes, moved to its new day for travel), the re-flowed
weeks get new sessions (the old ones become `replaced`), and the plan's rules are checked on what is
stored. The note is then marked applied on the plan, so applying it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from core.errors import CoachError, InvalidInput, NotFound
from core.models import CalendarNote
from core.models import PlannedSession as SessionRow
from core.models import TrainingPlan as PlanRow
from tools.deps import ToolDeps
from tools.notes.effects import Note, NoteReflow, reflow_for_note
from tools.notes.notes import NoteOut, note_out, own_note
from tools.plans.availability_store import load_availability
from tools.plans.model import TrainingPlan
from tools.plans.rules import check_plan
from tools.plans.store import (
    DESIGN,
    OPEN_STATUSES,
    as_run_plan,
    load_plan,
    save_sessions,
    week_skeleton,
)
from tools.registry import tool
from tools.training_load.strength import add_strength_sessions
from tools.workouts.model import Workout, summarize
from tools.workouts.store import load_workout, replace_workout

APPLIED = "note_changes"


class SessionEdit(BaseModel):
    date: dt.date = Field(description="the session's day now")
    new_date: dt.date = Field(description="its day after the change (another day for travel)")
    before: str
    before_km: float
    after: str
    after_km: float
    after_kind: str
    reason: str


class WeekEdit(BaseModel):
    week_index: int
    start: dt.date
    before_km: float
    after_km: float
    is_recovery: bool


class NoteProposal(BaseModel):
    note: NoteOut
    plan_id: int | None = Field(description="the plan the proposal is for (None: no active plan)")
    sessions: list[SessionEdit] = Field(description="sessions the note changes, by day")
    weeks: list[WeekEdit] = Field(description="weeks whose volume changes (re-flowed or touched)")
    violations: list[str] = Field(description="plan rules the result would break (empty: all kept)")
    applied_on: dt.date | None = Field(description="when the athlete applied this note's changes")
    can_apply: bool
    summary: str


class NoteInput(BaseModel):
    note_id: int


def _km(workout: Workout) -> float:
    return round(summarize(workout).distance_m / 1000.0, 1)


async def _compute(
    deps: ToolDeps, note_id: int
) -> tuple[CalendarNote, PlanRow, list[tuple[SessionRow, Workout]], TrainingPlan, NoteReflow]:
    note = await own_note(deps.session, deps.user_id, note_id)
    row, _, sessions = await load_plan(deps.session, deps.user_id)
    plan = as_run_plan(row, sessions)
    locked = {s.date for s, _ in sessions if s.status not in OPEN_STATUSES}
    effect = Note(note.kind, note.start_date, note.end_date, note.severity)
    availability = await load_availability(deps.session, deps.user_id)
    result = reflow_for_note(plan, effect, today=deps.today, locked=locked, availability=availability)
    return note, row, sessions, plan, result


def _proposal(note: CalendarNote, row: PlanRow, plan: TrainingPlan, result: NoteReflow) -> NoteProposal:
    applied = row.inputs.get(APPLIED, {}).get(str(note.id))
    before = {w.index: w for w in plan.weeks}
    touched = {w.index for w in plan.weeks for c in result.changes if w.start <= c.day <= w.end}
    weeks = [
        WeekEdit(
            week_index=w.index,
            start=w.start,
            before_km=round(before[w.index].volume_km, 1),
            after_km=round(w.volume_km, 1),
            is_recovery=w.is_recovery,
        )
        for w in result.plan.weeks
        if (w.index in touched or w.index in result.reflowed_weeks)
        and abs(w.volume_km - before[w.index].volume_km) >= 0.05
    ]
    sessions = [
        SessionEdit(
            date=c.day,
            new_date=c.new_day,
            before=c.before.name,
            before_km=_km(c.before),
            after=c.after.name,
            after_km=_km(c.after),
            after_kind=c.after.kind.value,
            reason=c.reason,
        )
        for c in result.changes
    ]
    violations = [v.message for v in result.violations]
    can_apply = applied is None and bool(sessions) and not violations
    if applied is not None:
        summary = f"applied on {applied}"
    elif not sessions:
        summary = "no open session of the plan falls on this note's days: nothing to change"
    else:
        summary = f"{len(sessions)} sessions change" + (
            f", {len(result.reflowed_weeks)} later weeks re-flowed to keep the plan's rules"
            if result.reflowed_weeks
            else ""
        )
    return NoteProposal(
        note=note_out(note),
        plan_id=row.id,
        sessions=sessions,
        weeks=weeks,
        violations=violations,
        applied_on=dt.date.fromisoformat(applied) if applied else None,
        can_apply=can_apply,
        summary=summary,
    )


@tool()
async def propose_note_changes(deps: ToolDeps, args: NoteInput) -> NoteProposal:
    """What a calendar note would change in the active plan, without changing it: illness → rest, then a
    return ramp (about 30/50/75 % of the planned runs); injury → easy and reduced (severe: cross-training);
    travel → sessions moved off the travel days; life stress → no intensity. Lists the sessions and week
    volumes that change and the plan rules on the result. Show it to the athlete, then apply_note_changes."""
    try:
        note, row, _, plan, result = await _compute(deps, args.note_id)
    except NotFound:
        note = await own_note(deps.session, deps.user_id, args.note_id)
        return NoteProposal(
            note=note_out(note),
            plan_id=None,
            sessions=[],
            weeks=[],
            violations=[],
            applied_on=None,
            can_apply=False,
            summary="there is no active plan to change",
        )
    return _proposal(note, row, plan, result)


@tool(side_effect=True)
async def apply_note_changes(deps: ToolDeps, args: NoteInput) -> NoteProposal:
    """Apply what propose_note_changes shows for a calendar note to the active plan (needs the athlete's
    approval): the changed sessions get their new workouts, later weeks are re-flowed, the rules are checked
    on the stored plan. A note already applied is refused."""
    note, row, sessions, plan, result = await _compute(deps, args.note_id)
    proposal = _proposal(note, row, plan, result)
    if proposal.applied_on is not None:
        raise InvalidInput(f"This note's changes were applied on {proposal.applied_on}; nothing to do.")
    if proposal.violations:
        raise CoachError(
            "The note's changes would break the plan's rules: "
            + "; ".join(proposal.violations[:3])
            + ". Adjust the days one by one or generate a new plan."
        )
    if not proposal.sessions:
        raise InvalidInput("No open session falls on this note's days: nothing to apply.")
    reflowed = set(result.reflowed_weeks)
    by_day = {s.date: (s, w) for s, w in sessions if s.status in OPEN_STATUSES}
    designs = dict(row.summary.get(DESIGN, {}))
    for change in result.changes:
        if change.reflowed or change.day not in by_day:
            continue
        session_row, _ = by_day[change.day]
        if session_row.week_index in reflowed:
            continue
        if session_row.workout_id is not None:
            workout_row, _ = await load_workout(deps.session, deps.user_id, session_row.workout_id)
            await replace_workout(deps.session, workout_row, change.after)
            workout_row.scheduled_date = change.new_day
        summary = summarize(change.after)
        session_row.date = change.new_day
        session_row.kind = change.after.kind.value
        session_row.title = change.after.name[:200]
        session_row.is_key = change.after.kind.value in ("long", "tempo", "intervals", "hills", "race_pace")
        session_row.planned_distance_m = round(summary.distance_m, 1)
        session_row.planned_duration_s = round(summary.duration_s, 1)
        session_row.status = "adjusted"
        session_row.notes = f"{change.reason} ({note.kind} noted {note.start_date}–{note.end_date})"
        designs.pop(str(session_row.id), None)  # the note changes the plan itself, not just one day
    for session_row, _ in sessions:
        if session_row.week_index in reflowed and session_row.status in OPEN_STATUSES:
            session_row.status = "replaced"
    await deps.session.flush()
    new_plan = add_strength_sessions(
        result.plan, int(row.inputs.get("strength_per_week") or 0), weeks=reflowed
    )
    await save_sessions(
        deps.session, deps.user_id, row.id, [w for w in new_plan.weeks if w.index in reflowed]
    )
    row.summary = {**row.summary, "weeks": week_skeleton(new_plan), DESIGN: designs}
    row.inputs = {
        **row.inputs,
        APPLIED: {**row.inputs.get(APPLIED, {}), str(note.id): deps.today.isoformat()},
    }
    await deps.session.flush()
    stored_row, stored, _ = await load_plan(deps.session, deps.user_id, row.id)
    broken = check_plan(stored)
    if broken:  # the pure re-flow checked the same plan; a difference here is a bug, not the athlete's
        raise CoachError(
            "The stored plan would break its rules after the note's changes: "
            + "; ".join(v.message for v in broken[:3]),
            details={"violations": [v.rule for v in broken]},
        )
    return _proposal(note, stored_row, plan, result).model_copy(
        update={"applied_on": deps.today, "can_apply": False, "summary": f"applied: {proposal.summary}"}
    )
