"""The athlete's availability, stored (`availability_days`, `blackout_days`), and the tools that set it.

Setting the week or blocking a day re-lays the active plan around it at once (`reflow.fit_availability`):
the weeks ahead that had a session on a closed day, or one longer than the day allows, are laid out again
with the same volume on the open days; the old sessions become `replaced`. Those tools change the athlete's
plan, so they are `side_effect=True` (the agent asks; in the web app the Save button is the approval).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import CoachError, InvalidInput, NotFound
from tools.deps import ToolDeps
from tools.plans.availability import WEEKDAYS, Availability, conflicts
from tools.plans.reflow import fit_availability
from tools.plans.repository import AvailabilityRepository
from tools.plans.rules import check_plan
from tools.plans.store import OPEN_STATUSES, as_run_plan, load_plan, save_sessions, week_skeleton
from tools.registry import tool
from tools.training_load.strength import add_strength_sessions
from tools.workouts.model import WorkoutKind

MAX_BLACKOUT_AHEAD_DAYS = 400


class DayAvailability(BaseModel):
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    name: str = ""
    available: bool = True
    max_minutes: int | None = Field(
        default=None, ge=10, le=600, description="the longest session that day allows (None: no limit)"
    )


class Blackout(BaseModel):
    day: dt.date
    reason: str | None = None


class AvailabilityOut(BaseModel):
    week: list[DayAvailability] = Field(description="Monday to Sunday")
    blackouts: list[Blackout] = Field(description="blocked days from a week ago on")


class PlanFit(BaseModel):
    plan_id: int | None = Field(description="the active plan re-laid out (None: no active plan)")
    weeks: list[int] = Field(description="indexes of the weeks laid out again")
    moved_or_resized: int = Field(description="sessions that changed day or size")
    notes: list[str] = Field(default_factory=list)


class AvailabilityChange(BaseModel):
    availability: AvailabilityOut
    plan: PlanFit


async def load_availability(session: AsyncSession, user_id: int) -> Availability:
    """The user's availability for the plan layout (every day open, no limit, when nothing is set)."""
    max_s: list[float | None] = [None] * 7
    repository = AvailabilityRepository(session, user_id)
    for row in (await repository.weekdays()).values():
        max_s[row.weekday] = (
            0.0 if not row.available else (row.max_minutes * 60.0 if row.max_minutes else None)
        )
    days = [b.day for b in await repository.blackouts()]
    return Availability(max_s=tuple(max_s), blackouts=frozenset(days))


async def _out(deps: ToolDeps) -> AvailabilityOut:
    repository = AvailabilityRepository(deps.session, deps.user_id)
    rows = await repository.weekdays()
    week = [
        DayAvailability(
            weekday=k,
            name=WEEKDAYS[k],
            available=rows[k].available if k in rows else True,
            max_minutes=rows[k].max_minutes if k in rows else None,
        )
        for k in range(7)
    ]
    blackouts = await repository.blackouts(since=deps.today - dt.timedelta(days=7))
    return AvailabilityOut(week=week, blackouts=[Blackout(day=b.day, reason=b.reason) for b in blackouts])


async def fit_active_plan(deps: ToolDeps) -> PlanFit:
    """Re-lay the active plan's weeks ahead around the athlete's availability (see the module docstring).
    Raises when the result would break a plan rule (nothing is stored then). Flushes."""
    try:
        row, _, sessions = await load_plan(deps.session, deps.user_id)
    except NotFound:
        return PlanFit(plan_id=None, weeks=[], moved_or_resized=0)
    availability = await load_availability(deps.session, deps.user_id)
    plan = as_run_plan(row, sessions)
    locked = {s.date for s, _ in sessions if s.status not in OPEN_STATUSES or s.date < deps.today}
    result = fit_availability(plan, availability, today=deps.today, locked=locked)
    if result.violations:
        raise CoachError(
            "The plan cannot be laid out around this availability within its safety rules: "
            + "; ".join(v.message for v in result.violations[:3])
            + ". Open another day or allow longer sessions, or generate a new plan.",
            details={"violations": [v.rule for v in result.violations]},
        )
    changed = set(result.changed_weeks)
    if not changed:
        return PlanFit(plan_id=row.id, weeks=[], moved_or_resized=0)
    whole = {w.index for w in plan.weeks if w.index in changed and w.start > deps.today}
    new_plan = add_strength_sessions(result.plan, int(row.inputs.get("strength_per_week") or 0), weeks=whole)
    before = {s.day: s.workout for s in plan.sessions}
    fresh = []
    for week in new_plan.weeks:
        if week.index in changed:
            keep = [
                s
                for s in week.sessions
                if s.day >= deps.today
                and s.day not in locked
                and not (s.kind is WorkoutKind.STRENGTH and conflicts([s], availability))
            ]
            fresh.append(week.model_copy(update={"sessions": keep}))
    for session_row, _ in sessions:
        if (
            session_row.week_index in changed
            and session_row.status in OPEN_STATUSES
            and session_row.date >= deps.today
        ):
            session_row.status = "replaced"
    await deps.session.flush()
    await save_sessions(deps.session, deps.user_id, row.id, fresh)
    row.summary = {**row.summary, "weeks": week_skeleton(new_plan)}
    await deps.session.flush()
    _, stored, _ = await load_plan(deps.session, deps.user_id, row.id)
    broken = check_plan(stored)
    if broken:
        raise CoachError(
            "The stored plan would break its rules after the re-layout: "
            + "; ".join(v.message for v in broken[:3]),
            details={"violations": [v.rule for v in broken]},
        )
    moved = sum(1 for w in fresh for s in w.sessions if before.get(s.day) != s.workout)
    return PlanFit(
        plan_id=row.id,
        weeks=sorted(changed),
        moved_or_resized=moved,
        notes=[
            f"{len(changed)} week{'s' if len(changed) != 1 else ''} laid out again around your availability, "
            "with the same volume"
        ],
    )


class GetAvailabilityInput(BaseModel):
    pass


@tool()
async def get_availability(deps: ToolDeps, args: GetAvailabilityInput) -> AvailabilityOut:
    """The athlete's weekly availability (which weekdays they can train and the longest session each
    allows) and their blocked days from a week ago on."""
    return await _out(deps)


class SetWeekInput(BaseModel):
    days: list[DayAvailability] = Field(
        min_length=1, max_length=7, description="the weekdays to set; the others stay as they are"
    )


@tool(side_effect=True)
async def set_weekly_availability(deps: ToolDeps, args: SetWeekInput) -> AvailabilityChange:
    """Set which weekdays the athlete can train and the longest session each allows (needs approval). The
    active plan's weeks ahead are laid out again around it with the same volume, within the plan's rules."""
    if len({d.weekday for d in args.days}) != len(args.days):
        raise InvalidInput("Each weekday may appear once; merge the duplicates.")
    if sum(1 for d in args.days if not d.available) == 7:
        raise InvalidInput("At least one day a week must be open for training.")
    repository = AvailabilityRepository(deps.session, deps.user_id)
    existing = await repository.weekdays()
    for day in args.days:
        row = existing.get(day.weekday) or repository.add_weekday(day.weekday)
        row.available = day.available
        row.max_minutes = day.max_minutes
    await deps.session.flush()
    plan = await fit_active_plan(deps)
    return AvailabilityChange(availability=await _out(deps), plan=plan)


class BlackoutInput(BaseModel):
    day: dt.date
    reason: str | None = Field(default=None, max_length=200)


@tool(side_effect=True)
async def add_blackout_day(deps: ToolDeps, args: BlackoutInput) -> AvailabilityChange:
    """Block a day: no training that date (needs approval). A session planned that day moves to an open
    day of its week, or its kilometres go to the week's other runs — the week's load is redistributed,
    not dropped, within the plan's rules."""
    if args.day < deps.today:
        raise InvalidInput(f"{args.day} is in the past; block today or a later day.")
    if (args.day - deps.today).days > MAX_BLACKOUT_AHEAD_DAYS:
        raise InvalidInput(f"Block days at most {MAX_BLACKOUT_AHEAD_DAYS} days ahead.")
    repository = AvailabilityRepository(deps.session, deps.user_id)
    row = await repository.blackout(args.day)
    if row is None:
        repository.add_blackout(args.day, args.reason)
    else:
        row.reason = args.reason
    await deps.session.flush()
    plan = await fit_active_plan(deps)
    return AvailabilityChange(availability=await _out(deps), plan=plan)


class RemoveBlackoutInput(BaseModel):
    day: dt.date


@tool(side_effect=True)
async def remove_blackout_day(deps: ToolDeps, args: RemoveBlackoutInput) -> AvailabilityOut:
    """Unblock a day (needs approval). Sessions already moved off it stay where they are."""
    if not await AvailabilityRepository(deps.session, deps.user_id).remove_blackout(args.day):
        raise NotFound(f"{args.day} is not a blocked day; get_availability lists them.")
    return await _out(deps)
