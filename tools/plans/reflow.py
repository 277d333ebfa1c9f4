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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tools.fitness.vdot import training_paces
from tools.plans.model import Phase, PlanWeek, TrainingPlan
from tools.plans.periodize import MIN_CURRENT_KM, RECOVERY_FRACTION, TAPER_FRACTIONS
from tools.plans.rules import RAMP_LIMIT, RuleViolation, check_plan, is_loading
from tools.plans.weeks import Athlete, build_week

MAX_SCALINGS = 6
SCALE_STEP = 0.9
TAPER_PREVIOUS_CAP = 0.95


@dataclass(frozen=True, slots=True)
class Reflowed:
    plan: TrainingPlan
    changed_weeks: list[int]
    violations: list[RuleViolation]
    scale: float


def _athlete(plan: TrainingPlan) -> Athlete:
    return Athlete(
        training_paces(plan.vdot),
        plan.race_pace_s_per_km,
        plan.race_distance_m,
        plan.race_date,
        plan.days_per_week,
        plan.long_run_weekday,
    )


def _layout(
    plan: TrainingPlan, from_day: date, recent_km: float, scale: float
) -> tuple[TrainingPlan, list[int]]:
    athlete = _athlete(plan)
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
            target = min(target * scale, week.volume_km)
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


def reflow_plan(plan: TrainingPlan, *, from_day: date, recent_km: float) -> Reflowed:
    """`plan` with every week that starts on or after `from_day` re-laid out (see the module docstring)."""
    scale = 1.0
    new_plan, changed = _layout(plan, from_day, recent_km, scale)
    violations = check_plan(new_plan)
    for _ in range(MAX_SCALINGS):
        if not violations:
            break
        scale *= SCALE_STEP
        new_plan, changed = _layout(plan, from_day, recent_km, scale)
        violations = check_plan(new_plan)
    return Reflowed(new_plan, changed, violations, scale)
