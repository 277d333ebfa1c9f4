"""`generate_plan` and `get_plan`: a periodized plan to a race, stored, read back and rule-checked.

The plan comes from the pure generator (`tools.plans.periodize.periodize`); this module fills its
inputs from what RunCoach knows (the race on the calendar, the athlete's recent volume, their fitness from
best efforts), stores it (`plan_store.py`), reads it back and runs `check_plan` on what was stored. A plan
that breaks a rule is never stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from core.errors import CoachError, Conflict, InvalidInput, NotFound
from core.models import PlannedSession as SessionRow
from core.models import TrainingPlan as PlanRow
from tools.deps import ToolDeps
from tools.fitness.pacing import athlete_vdot
from tools.fitness.race_prediction import Paces, distance_name, paces_out
from tools.fitness.vdot import MAX_VDOT, MIN_VDOT, training_paces
from tools.plans.availability import without_blocked
from tools.plans.availability_store import load_availability
from tools.plans.model import TrainingPlan
from tools.plans.periodize import periodize
from tools.plans.race_days import CalendarRace, fit_races
from tools.plans.rules import RuleViolation, check_plan
from tools.plans.store import load_plan, plan_row, save_plan, shown_fields
from tools.plans.volume import current_volume
from tools.races.repository import Races
from tools.registry import tool
from tools.training_load.strength import add_strength_sessions
from tools.units import clock, pace
from tools.workouts.model import Workout, WorkoutKind

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
NAMED_DISTANCES_M = {"5k": 5_000.0, "10k": 10_000.0, "half": 21_097.5, "marathon": 42_195.0}
#: default maximum weekly volume when none is given: (longest distance, km)
DEFAULT_MAX_KM = ((5_000.0, 35.0), (10_000.0, 45.0), (21_097.5, 55.0), (42_195.0, 70.0))
MAX_WEEKLY_KM = 250.0


class SessionOut(BaseModel):
    session_id: int
    date: dt.date
    kind: str
    title: str
    distance_km: float
    duration_min: float
    is_key: bool
    status: str
    workout_id: int | None
    activity_id: int | None = None


class WeekOut(BaseModel):
    index: int
    start: dt.date
    end: dt.date
    phase: str
    is_recovery: bool
    volume_km: float
    long_run_km: float | None
    sessions: list[SessionOut]


class ViolationOut(BaseModel):
    rule: str
    message: str
    week_index: int | None = None
    day: dt.date | None = None


class PlanOut(BaseModel):
    plan_id: int
    name: str
    status: str
    start_date: dt.date
    race_date: dt.date
    race_distance_m: float
    goal_time: str | None
    race_pace: str | None
    vdot: float
    paces: Paces
    weeks: list[WeekOut]
    checks: list[ViolationOut] = Field(
        description="rule violations of the stored plan (empty = every rule kept)"
    )
    notes: list[str] = Field(default_factory=list)


def violations_out(found: Sequence[RuleViolation]) -> list[ViolationOut]:
    return [ViolationOut(rule=v.rule, message=v.message, week_index=v.week_index, day=v.day) for v in found]


def plan_out(row: PlanRow, plan: TrainingPlan, sessions: Sequence[tuple[SessionRow, Workout]]) -> PlanOut:
    """The stored plan for the athlete and the model, with the checks run on exactly this plan."""
    by_week: dict[int, list[SessionOut]] = {}
    for session_row, _ in sessions:
        by_week.setdefault(session_row.week_index, []).append(
            SessionOut(**shown_fields(session_row), activity_id=session_row.activity_id)
        )
    weeks = [
        WeekOut(
            index=w.index,
            start=w.start,
            end=w.end,
            phase=w.phase.value,
            is_recovery=w.is_recovery,
            volume_km=round(w.volume_km, 1),
            long_run_km=round(w.long_runs[0].planned_distance_m / 1000.0, 1) if w.long_runs else None,
            sessions=by_week.get(w.index, []),
        )
        for w in plan.weeks
    ]
    return PlanOut(
        plan_id=row.id,
        name=row.name,
        status=row.status,
        start_date=plan.start_date,
        race_date=plan.race_date,
        race_distance_m=plan.race_distance_m,
        goal_time=clock(plan.goal_time_s) if plan.goal_time_s else None,
        race_pace=pace(plan.race_pace_s_per_km),
        vdot=round(plan.vdot, 1),
        paces=paces_out(training_paces(plan.vdot)),
        weeks=weeks,
        checks=violations_out(check_plan(plan)),
    )


class GeneratePlanInput(BaseModel):
    race_id: int | None = Field(
        default=None, description="a race on the calendar: its date, distance and goal"
    )
    race_date: dt.date | None = None
    race_distance_m: float | None = Field(default=None, ge=5_000, le=42_195)
    distance: Literal["5k", "10k", "half", "marathon"] | None = Field(default=None, description="or a name")
    goal_time_s: float | None = Field(default=None, gt=0, le=8 * 3600)
    vdot: float | None = Field(default=None, description="current fitness; default from best recent efforts")
    days_per_week: int = Field(default=5, description="running days a week, 3–7")
    long_run_day: Weekday = "sunday"
    current_weekly_km: float | None = Field(
        default=None,
        description="default: the larger of the last 7 days and 75 % of the 4-week average (as adapt_plan)",
    )
    max_weekly_km: float | None = Field(
        default=None, description="the most the athlete wants to run in a week"
    )
    start_date: dt.date | None = Field(default=None, description="default today")
    name: str | None = Field(default=None, max_length=120)
    strength_per_week: int = Field(
        default=0, ge=0, le=3, description="strength sessions a week on non-running days (0 = none)"
    )
    replace_active: bool = Field(
        default=False,
        description="true replaces the athlete's active plan (it is archived); only after they said so",
    )


async def _check_active(deps: ToolDeps, replace: bool) -> str | None:
    """Refuse to replace an active plan unless asked to; a note when it is replaced."""
    try:
        active = await plan_row(deps.session, deps.user_id, None)
    except NotFound:
        return None
    if not replace:
        raise Conflict(
            f"The athlete already has an active plan, “{active.name}” (id {active.id}, to "
            f"{active.end_date}). A new plan replaces it (the old one is archived): ask the athlete, and "
            "only if they agree call generate_plan again with replace_active=true."
        )
    return f"the plan “{active.name}” (id {active.id}) is archived: this one replaces it"


def _default_max_km(distance_m: float, current_km: float) -> float:
    floor = next(km for limit, km in DEFAULT_MAX_KM if distance_m <= limit)
    return min(MAX_WEEKLY_KM, max(floor, current_km * 1.5))


@tool(side_effect=True)
async def generate_plan(deps: ToolDeps, args: GeneratePlanInput) -> PlanOut:
    """Build and save a periodized training plan (base, build, peak, 2–3 week taper) to a race: give a race
    from the calendar (race_id) or race_date + distance, optionally a goal time, days per week, the long-run
    day, and current / maximum weekly km (defaults: the current volume adapt_plan also uses, and a
    distance-based cap).
    Every session is a structured workout at the athlete's paces. The plan is checked against the safety
    rules (10 % ramp, recovery weeks, long-run share, 80/20, no hard days back to back, taper) and
    `checks` lists any broken rule (empty for every plan this tool stores). It becomes the active plan.
    Without a race the goal is the next A race on the calendar; an A race before the goal is refused;
    B races inside the plan get a mini-taper (easy days around them), C races are run as training.
    If the athlete has an active plan, the new one replaces it: ask them first, then pass
    replace_active=true."""
    notes: list[str] = []
    replaced = await _check_active(deps, args.replace_active)
    if replaced:
        notes.append(replaced)
    race_date, distance_m, goal = args.race_date, args.race_distance_m, args.goal_time_s
    race_id = args.race_id
    start = args.start_date or deps.today
    calendar = await Races(deps.session, deps.user_id).from_date(deps.today)
    if race_id is None:
        same_day = [r for r in calendar if r.date == race_date] if race_date is not None else []
        a_races = [r for r in calendar if r.priority == "A"]
        if same_day:  # the race on the calendar that day is the goal
            race_id = max(same_day, key=lambda r: (r.priority == "A", r.distance_m or 0.0)).id
        elif race_date is None and distance_m is None and args.distance is None and a_races:
            race_id = a_races[0].id  # by default the plan aims at the next A race
            notes.append(f"the goal is your next A race, {a_races[0].name} on {a_races[0].date}")
    if race_id is not None:
        race = await Races(deps.session, deps.user_id).get(race_id)
        race_id = race.id
        race_date = race_date or race.date
        distance_m = distance_m or race.distance_m
        goal = goal or race.goal_time_s
    if distance_m is None and args.distance is not None:
        distance_m = NAMED_DISTANCES_M[args.distance]
    if race_date is None or distance_m is None:
        raise InvalidInput(
            "Give the race: race_id from the calendar, or race_date and distance (5k … marathon)."
        )
    earlier_a = [r for r in calendar if r.priority == "A" and start <= r.date < race_date and r.id != race_id]
    if earlier_a:
        first_a = earlier_a[0]
        raise Conflict(
            f"The A race {first_a.name} on {first_a.date} (race {first_a.id}) comes before {race_date}: "
            "a plan to the later race would run through it untapered. Plan to that race (race_id), or make "
            "it a B or C race first (update_race)."
        )
    others = [
        CalendarRace(r.name, r.date, r.priority, r.distance_m)
        for r in calendar
        if start <= r.date < race_date and r.id != race_id and r.priority in ("B", "C")
    ]
    if start < deps.today:
        raise InvalidInput(f"start_date {start} is in the past; start today or later.")

    vdot = min(max(args.vdot, MIN_VDOT), MAX_VDOT) if args.vdot is not None else None
    basis = "given" if vdot is not None else None
    if vdot is None:
        try:
            vdot, basis = await athlete_vdot(deps, None, use_plan=False)
        except InvalidInput:
            if goal is None:
                raise
            basis = "the goal time (no recent runs to measure current fitness)"
    current = args.current_weekly_km
    if current is None:
        volume = await current_volume(deps.session, deps.user_id, deps.tz, deps.today)
        current = volume.km
        notes.append(volume.explain())
    maximum = args.max_weekly_km or _default_max_km(distance_m, current)
    if args.max_weekly_km is None:
        notes.append(f"maximum volume {maximum:g} km/week (a default for the distance; set max_weekly_km)")
    days = min(max(args.days_per_week, 3), 7)
    if days != args.days_per_week:
        notes.append(f"days_per_week clamped to {days}")

    plan = periodize(
        race_date=race_date,
        race_distance_m=distance_m,
        start_date=start,
        days_per_week=days,
        long_run_weekday=WEEKDAYS.index(args.long_run_day),
        current_weekly_km=current,
        max_weekly_km=min(maximum, MAX_WEEKLY_KM),
        goal_time_s=goal,
        current_vdot=vdot,
        availability=(availability := await load_availability(deps.session, deps.user_id)),
    )
    fitted = fit_races(plan, others)  # B races get a mini-taper, C races are training
    plan, notes = fitted.plan, [*notes, *fitted.notes]
    plan = without_blocked(add_strength_sessions(plan, args.strength_per_week), availability)
    broken = check_plan(plan)
    if broken:  # the generator keeps every rule by construction; refuse to store one that does not
        raise CoachError(
            "The generated plan breaks safety rules and was not saved: "
            + "; ".join(v.message for v in broken[:5]),
            details={"violations": [v.rule for v in broken]},
        )
    name = args.name or f"{distance_name(distance_m).capitalize()} on {race_date:%d %b %Y}"
    row = await save_plan(
        deps.session,
        deps.user_id,
        plan,
        name=name,
        race_id=race_id,
        extra_inputs={"vdot_basis": basis, "strength_per_week": args.strength_per_week},
    )
    stored_row, stored, sessions = await load_plan(deps.session, deps.user_id, row.id)
    if plan.weeks and plan.weeks[0].phase.value == "lead_in":
        notes.append("the days before the first full week are easy running at your current volume")
    if args.strength_per_week:
        placed = sum(1 for s in plan.sessions if s.kind is WorkoutKind.STRENGTH)
        notes.append(
            f"{placed} strength sessions on non-running days (never the day before a key session, none in "
            "race week); they add no running volume"
        )
    out = plan_out(stored_row, stored, sessions)
    out.notes = [f"training paces from VDOT {plan.vdot:.1f} ({basis})", *notes]
    return out


class GetPlanInput(BaseModel):
    plan_id: int | None = Field(default=None, description="default: the active plan")


@tool()
async def get_plan(deps: ToolDeps, args: GetPlanInput) -> PlanOut:
    """The athlete's training plan (the active one by default): weeks with phase and volume, every session
    with its date, kind, distance, duration, status (planned, done, missed, moved, adjusted) and workout id,
    and the rule checks run on the plan as it stands."""
    row, plan, sessions = await load_plan(deps.session, deps.user_id, args.plan_id)
    return plan_out(row, plan, sessions)
