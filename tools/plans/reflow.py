"""Re-flowing a plan from a day on: the weeks ahead re-sized from what the athlete actually ran, so every
rule of `plan_rules` still holds. Pure: plans in, plan out.

Weeks that have begun before `from_day` stay as they were planned (the past is history: done, missed or
moved; the days left of the week in progress are for `adjust_today`). Every week starting on or after
`from_day` keeps its phase and recovery flag and is re-laid out with `plan_weeks.build_week`, aiming at:

- the first re-flowed week: ≤ 110 % of min(the plan's reference, `recent_km`) — the athlete ramps from what
  they really did, never from what they skipped; then +10 % per loading week as the generator does;
- a recovery week: 75 % of the week before; taper weeks: the generator's fractions of the peak loading week
  (≤ 95 % of the week before); never more than the week was originally planned at.

Missed sessions are never made up. If the result still breaks a rule, the re-flowed targets are scaled
down by 10 % and laid out again, up to MAX_SCALINGS times; what is left is reported, not hidden.

`fit_availability` re-lays out, with the same volume, the weeks ahead that have a session on a day the
athlete has blocked or longer than the day allows: each such session moves to the nearest open day of its
week where it fits (a key session only where no key session is beside it), else becomes rest and its
kilometres go to the week's remaining easy runs, as far as each day's time, 90 minutes and the long run
allow; a future week that would still lose more than 3 % is laid out again on the open days
(`weeks.build_week`). Weeks after a lighter week in progress are re-flowed from it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from tools.fitness.vdot import training_paces
from tools.plans.availability import OPEN, Availability, conflicts
from tools.plans.model import Phase, PlannedSession, PlanWeek, TrainingPlan
from tools.plans.periodize import MIN_CURRENT_KM, RECOVERY_FRACTION, TAPER_FRACTIONS
from tools.plans.rules import RAMP_LIMIT, RuleViolation, check_plan, is_loading
from tools.plans.weeks import EASY_MAX_S, Athlete, build_week, water_fill
from tools.workouts.model import Workout, WorkoutKind
from tools.workouts.sessions import build_workout

MAX_SCALINGS = 6
REARRANGE_KEEP = 0.97
NOT_VOLUME = (WorkoutKind.RACE, WorkoutKind.STRENGTH)
SCALE_STEP = 0.9
TAPER_PREVIOUS_CAP = 0.95


@dataclass(frozen=True, slots=True)
class Reflowed:
    plan: TrainingPlan
    changed_weeks: list[int]
    violations: list[RuleViolation]
    scale: float


def _athlete(plan: TrainingPlan, availability: Availability) -> Athlete:
    return Athlete(
        training_paces(plan.vdot),
        plan.race_pace_s_per_km,
        plan.race_distance_m,
        plan.race_date,
        plan.days_per_week,
        plan.long_run_weekday,
        availability,
    )


def _layout(
    plan: TrainingPlan,
    from_day: date,
    recent_km: float,
    scale: float,
    availability: Availability,
    caps: Mapping[int, float],
) -> tuple[TrainingPlan, list[int]]:
    athlete = _athlete(plan, availability)
    taper_weeks = [w for w in plan.weeks if w.phase is Phase.TAPER]
    fractions = TAPER_FRACTIONS.get(len(taper_weeks), TAPER_FRACTIONS[3])
    reference = plan.current_weekly_km
    previous: float | None = None
    loading: list[float] = []
    started = False
    weeks: list[PlanWeek] = []
    changed: list[int] = []
    for week in plan.weeks:
        if week.start < from_day:
            new_week = week
        else:
            if not started:
                reference = min(reference, max(recent_km, MIN_CURRENT_KM))
                started = True
            if week.phase is Phase.TAPER:
                k = taper_weeks.index(week)
                target = fractions[min(k, len(fractions) - 1)] * max(loading or [reference])
                if previous is not None:
                    target = min(target, TAPER_PREVIOUS_CAP * previous)
            elif week.is_recovery and previous is not None:
                target = RECOVERY_FRACTION * previous
            else:
                target = min(plan.max_weekly_km, reference * (1 + RAMP_LIMIT)) * week.days / 7.0
            target = min(target * scale, caps.get(week.index, week.volume_km))
            fresh = build_week(week.start, week.end, week.phase, week.is_recovery, target, athlete)
            new_week = week.model_copy(update={"sessions": fresh})
            changed.append(week.index)
        weeks.append(new_week)
        volume = new_week.normalized_volume_km
        if is_loading(new_week):
            reference = volume
            loading.append(volume)
        previous = volume
    return plan.model_copy(update={"weeks": weeks}), changed


def reflow_plan(
    plan: TrainingPlan,
    *,
    from_day: date,
    recent_km: float,
    availability: Availability = OPEN,
    caps: Mapping[int, float] | None = None,
) -> Reflowed:
    """`plan` with every week that starts on or after `from_day` re-laid out (see the module docstring),
    on the days `availability` leaves open. `caps` replaces "never more than the week was planned at" for
    the weeks it names (a recovery week that became a loading week is capped as the loading week was)."""
    caps = caps or {}
    scale = 1.0
    new_plan, changed = _layout(plan, from_day, recent_km, scale, availability, caps)
    violations = check_plan(new_plan)
    for _ in range(MAX_SCALINGS):
        if not violations:
            break
        scale *= SCALE_STEP
        new_plan, changed = _layout(plan, from_day, recent_km, scale, availability, caps)
        violations = check_plan(new_plan)
    return Reflowed(new_plan, changed, violations, scale)


def _free_day(
    session: PlannedSession, week: PlanWeek, first: date, taken: dict[date, PlannedSession], athlete: Athlete
) -> date | None:
    """The nearest open day of the week from `first` with no session (for a key session, none beside it)."""
    days = [first + timedelta(days=k) for k in range((week.end - first).days + 1)]
    free = [
        d
        for d in days
        if d not in taken
        and d < athlete.race_date
        and not conflicts([session.model_copy(update={"day": d})], athlete.availability)
    ]
    if session.is_key:
        keys = {d for d, s in taken.items() if s.is_key}
        free = [d for d in free if d - timedelta(days=1) not in keys and d + timedelta(days=1) not in keys]
    return min(free, key=lambda d: (abs((d - session.day).days), d), default=None)


def _rearrange(
    week: PlanWeek, first: date, athlete: Athlete, locked: set[date], neighbours: dict[date, PlannedSession]
) -> list[PlannedSession]:
    """The week in progress with each blocked session from `first` on moved to a free open day of the week,
    else made rest with its km shared over the week's open easy runs (each ≤ 90 min, ≤ the day's time,
    ≤ the week's long run)."""
    availability = athlete.availability
    taken = {**neighbours, **{s.day: s for s in week.sessions}}
    blocked = [
        s
        for s in week.sessions
        if s.day >= first
        and s.day not in locked
        and s.kind not in (WorkoutKind.RACE, WorkoutKind.REST)
        and conflicts([s], availability)
    ]
    loose_km = 0.0
    for s in sorted(blocked, key=lambda s: not s.is_key):
        del taken[s.day]
        day = _free_day(s, week, first, taken, athlete)
        if day is not None:
            taken[day] = s.model_copy(update={"day": day})
        else:
            taken[s.day] = PlannedSession(
                day=s.day, workout=Workout(kind=WorkoutKind.REST, name="Rest (day blocked)")
            )
            loose_km += s.planned_distance_m / 1000.0 if s.kind is not WorkoutKind.STRENGTH else 0.0
    sessions = [s for d, s in sorted(taken.items()) if week.start <= d <= week.end]
    easy = [s for s in sessions if s.kind is WorkoutKind.EASY and s.day >= first and s.day not in locked]
    longest = max((s.planned_distance_m for s in sessions if s.kind is WorkoutKind.LONG), default=math.inf)
    pace = athlete.paces.easy_slow_s_per_km
    room = []
    for s in easy:
        limit = availability.limit_s(s.day)
        cap_km = min(EASY_MAX_S / pace, longest / 1000.0, math.inf if limit is None else limit / pace)
        room.append(max(0.0, cap_km - s.planned_distance_m / 1000.0))
    extra = dict(zip([s.day for s in easy], water_fill(min(loose_km, sum(room)), room), strict=True))
    out = []
    for s in sessions:
        if extra.get(s.day, 0.0) >= 0.1:
            km = math.floor((s.planned_distance_m / 1000.0 + extra[s.day]) * 10 + 1e-6) / 10
            s = PlannedSession(
                day=s.day, workout=build_workout(WorkoutKind.EASY, athlete.paces, distance_km=km)
            )
        out.append(s)
    return out


def fit_availability(
    plan: TrainingPlan, availability: Availability, *, today: date, locked: set[date] | None = None
) -> Reflowed:
    """`plan` with the weeks that break `availability` from `today` on re-laid out with the same volume
    (see the module docstring); `locked` days (done, missed) are kept as they are."""
    locked = locked or set()
    athlete = _athlete(plan, availability)
    weeks: list[PlanWeek] = []
    changed: list[int] = []
    for week in plan.weeks:
        ahead = [s for s in week.sessions if s.day >= today and s.day not in locked]
        if week.end < today or not conflicts(ahead, availability):
            weeks.append(week)
            continue
        around = {s.day: s for w in plan.weeks for s in w.sessions if abs((s.day - week.start).days) <= 8}
        neighbours = {d: s for d, s in around.items() if not week.start <= d <= week.end}
        sessions = _rearrange(week, max(today, week.start), athlete, locked, neighbours)
        kept_km = sum(s.planned_distance_m for s in sessions if s.kind not in NOT_VOLUME) / 1000.0
        whole = week.start > today and not any(s.day in locked for s in week.sessions)
        if whole and kept_km < REARRANGE_KEEP * week.volume_km:  # too little moved: lay the week out again
            sessions = build_week(week.start, week.end, week.phase, week.is_recovery, week.volume_km, athlete)
        weeks.append(week.model_copy(update={"sessions": sessions}))
        changed.append(week.index)
    new_plan = plan.model_copy(update={"weeks": weeks})
    violations = check_plan(new_plan)
    after = next((w for w in new_plan.weeks if changed and w.index > changed[0] and w.start > today), None)
    if violations and after is not None:  # a lighter week in progress: the weeks after ramp from it
        result = reflow_plan(new_plan, from_day=after.start, recent_km=math.inf, availability=availability)
        return Reflowed(
            result.plan, sorted({*changed, *result.changed_weeks}), result.violations, result.scale
        )
    return Reflowed(new_plan, changed, violations, 1.0)
