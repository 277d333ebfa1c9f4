"""The safety rules every training plan must keep, and `check_plan` that lists what breaks them.

Rules and tolerances (the generator aims inside them; the checker allows the stated margin):

- volume ramp: a week's volume ≤ 110 % of the reference, which is the last full loading week (not a
  recovery, taper or lead-in week) or, before there is one, the athlete's current weekly volume. So after
  a recovery week the comparison is with the week before it (the 10 % rule; Daniels and most coaching
  texts). A partial first week is scaled to 7 days (`normalized_volume_km`).
- maximum volume: no week above the athlete's `max_weekly_km`.
- recovery cadence: before the taper, no more than 3 loading weeks in a row (a recovery week every 3rd or
  4th week); a recovery week is ≤ 85 % of the week before it.
- long run: ≤ 32 % of the week's volume — Daniels' 25–30 % plus 2 points for rounding and for the way
  session sizes move together. Weeks under 37.5 km get a low-volume allowance: a long run up to 12 km is
  fine as long as it is ≤ 40 % of the week (a 3-run, 25-km week with a 10-km long run is a normal beginner
  week; 30 % of it would be a 7.5-km "long" run shorter than the other runs). Also ≤ 150 min (Daniels'
  cap on E long runs), at most one long run a week, and no other run of that week longer than it (else
  the share rule would only be moved to another name). Together these cap a 3-run week at about 34 km.
- intensity distribution: time above easy (M pace and faster, hill and stride reps) ≤ 25 % of the week's
  running time — 80/20 (Seiler) with 5 points of tolerance; the generator aims at ≤ 20 %.
- hard days: no two key sessions (long run, tempo, intervals, hills, race pace, race) on consecutive days.
- taper: the last 2 or 3 weeks are the taper; each is ≤ 90 % of the peak week, none is bigger than the one
  before, and race week (training, without the race) is ≤ 60 % of the peak.
- race day: the plan ends with exactly one race, on the race date, of the race distance; weeks are
  contiguous from the start date to the race date; at most one session a day.

Weekly volume, long-run share and intensity use training sessions only: the race is not training.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from tools.plans.model import PHASE_ORDER, Phase, PlanWeek, TrainingPlan
from tools.workouts.model import WorkoutKind

RAMP_LIMIT = 0.10
MAX_LOADING_WEEKS = 3
RECOVERY_MAX_FRACTION = 0.85
LONG_RUN_SHARE_TARGET = 0.30
LONG_RUN_SHARE_LIMIT = 0.32
LOW_VOLUME_LONG_RUN_KM = 12.0
LOW_VOLUME_LONG_RUN_SHARE = 0.40
LONG_RUN_MAX_S = 150 * 60
INTENSE_SHARE_TARGET = 0.20
INTENSE_SHARE_LIMIT = 0.25
TAPER_WEEKS = (2, 3)
TAPER_MAX_FRACTION = 0.90
RACE_WEEK_MAX_FRACTION = 0.60
EPSILON_KM = 1e-6


@dataclass(frozen=True, slots=True)
class RuleViolation:
    rule: str
    message: str
    week_index: int | None = None
    day: date | None = None
    actual: float | None = None
    limit: float | None = None


def long_run_limit_km(week_volume_km: float) -> float:
    """Longest allowed long run in a week of `week_volume_km` (see the module docstring)."""
    low_volume = min(LOW_VOLUME_LONG_RUN_SHARE * week_volume_km, LOW_VOLUME_LONG_RUN_KM)
    return max(LONG_RUN_SHARE_LIMIT * week_volume_km, low_volume)


def is_loading(week: PlanWeek) -> bool:
    return week.phase in (Phase.BASE, Phase.BUILD, Phase.PEAK) and not week.is_recovery and week.days == 7


def _structure(plan: TrainingPlan) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    if not plan.weeks:
        return [RuleViolation("structure", "the plan has no weeks")]
    if plan.weeks[0].start != plan.start_date or plan.weeks[-1].end != plan.race_date:
        found.append(RuleViolation("structure", "weeks must run from the start date to the race date"))
    for before, after in itertools.pairwise(plan.weeks):
        if after.start != before.end + timedelta(days=1):
            found.append(RuleViolation("structure", "weeks are not contiguous", week_index=after.index))
        if PHASE_ORDER.index(after.phase) < PHASE_ORDER.index(before.phase):
            found.append(
                RuleViolation("phase_order", f"{after.phase} after {before.phase}", week_index=after.index)
            )
    seen: set[date] = set()
    for week in plan.weeks:
        for session in week.sessions:
            if not week.start <= session.day <= week.end:
                found.append(RuleViolation("structure", "session outside its week", week.index, session.day))
            if session.day in seen:
                found.append(RuleViolation("structure", "two sessions on one day", week.index, session.day))
            seen.add(session.day)
    return found


def _race_day(plan: TrainingPlan) -> list[RuleViolation]:
    races = [s for s in plan.sessions if s.kind is WorkoutKind.RACE]
    if len(races) != 1:
        return [RuleViolation("race_day", f"the plan must contain exactly one race, found {len(races)}")]
    race = races[0]
    found = []
    if race.day != plan.race_date or max(s.day for s in plan.sessions) != plan.race_date:
        found.append(
            RuleViolation("race_day", "the race must be the last session, on the race date", day=race.day)
        )
    if abs(race.planned_distance_m - plan.race_distance_m) > 1.0:
        found.append(
            RuleViolation("race_day", "race session distance differs from the race distance", day=race.day)
        )
    return found


def _volumes(plan: TrainingPlan) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    reference = plan.current_weekly_km
    loading_run = 0
    previous: PlanWeek | None = None
    for week in plan.weeks:
        volume = week.normalized_volume_km
        if volume > plan.max_weekly_km + EPSILON_KM:
            found.append(
                RuleViolation(
                    "max_volume",
                    "week above the maximum weekly volume",
                    week.index,
                    None,
                    volume,
                    plan.max_weekly_km,
                )
            )
        limit = reference * (1 + RAMP_LIMIT)
        if volume > limit + EPSILON_KM:
            found.append(
                RuleViolation(
                    "ramp",
                    f"volume {volume:.1f} km is more than 10 % above the reference {reference:.1f} km",
                    week.index,
                    None,
                    volume,
                    limit,
                )
            )
        if week.is_recovery and previous is not None:
            cap = previous.normalized_volume_km * RECOVERY_MAX_FRACTION
            if volume > cap + EPSILON_KM:
                found.append(
                    RuleViolation(
                        "recovery_depth", "recovery week not lighter by 15 %", week.index, None, volume, cap
                    )
                )
        if is_loading(week):
            reference = volume
            loading_run += 1
            if loading_run > MAX_LOADING_WEEKS:
                found.append(
                    RuleViolation(
                        "recovery_cadence", "more than 3 loading weeks without a recovery week", week.index
                    )
                )
        elif week.is_recovery or week.phase is Phase.TAPER:
            loading_run = 0
        previous = week
    return found


def _long_runs(plan: TrainingPlan) -> list[RuleViolation]:
    found: list[RuleViolation] = []
    for week in plan.weeks:
        if len(week.long_runs) > 1:
            found.append(RuleViolation("long_run_share", "more than one long run in a week", week.index))
        for long_run in week.long_runs:
            km = long_run.planned_distance_m / 1000.0
            limit = long_run_limit_km(week.volume_km)
            if km > limit + EPSILON_KM:
                found.append(
                    RuleViolation(
                        "long_run_share",
                        f"long run {km:.1f} km is too large a share of a {week.volume_km:.1f}-km week",
                        week.index,
                        long_run.day,
                        km,
                        limit,
                    )
                )
            longest_other = max(
                (s.planned_distance_m / 1000.0 for s in week.training_sessions if s is not long_run),
                default=0.0,
            )
            if longest_other > km + EPSILON_KM:
                found.append(
                    RuleViolation(
                        "long_run_longest",
                        f"a {longest_other:.1f}-km run is longer than the {km:.1f}-km long run",
                        week.index,
                        long_run.day,
                        longest_other,
                        km,
                    )
                )
            if long_run.planned_duration_s > LONG_RUN_MAX_S + 1e-6:
                found.append(
                    RuleViolation(
                        "long_run_duration",
                        "long run longer than 150 minutes",
                        week.index,
                        long_run.day,
                        long_run.planned_duration_s,
                        LONG_RUN_MAX_S,
                    )
                )
    return found


def _intensity(plan: TrainingPlan) -> list[RuleViolation]:
    found = []
    for week in plan.weeks:
        if week.duration_s <= 0:
            continue
        share = week.intense_s / week.duration_s
        if share > INTENSE_SHARE_LIMIT + 1e-9:
            found.append(
                RuleViolation(
                    "intensity_distribution",
                    f"{share:.0%} of the week's time is above easy (limit 25 %)",
                    week.index,
                    None,
                    share,
                    INTENSE_SHARE_LIMIT,
                )
            )
    return found


def _hard_days(plan: TrainingPlan) -> list[RuleViolation]:
    key_days = sorted(s.day for s in plan.sessions if s.is_key)
    return [
        RuleViolation("consecutive_hard_days", f"key sessions on {first} and {second}", day=second)
        for first, second in itertools.pairwise(key_days)
        if (second - first).days == 1
    ]


def _taper(plan: TrainingPlan) -> list[RuleViolation]:
    taper = list(itertools.takewhile(lambda w: w.phase is Phase.TAPER, reversed(plan.weeks)))[::-1]
    if not TAPER_WEEKS[0] <= len(taper) <= TAPER_WEEKS[1]:
        return [RuleViolation("taper", f"the taper must be 2–3 weeks, found {len(taper)}")]
    loading = [w.normalized_volume_km for w in plan.weeks if is_loading(w)]
    if not loading:
        return [RuleViolation("taper", "no loading week before the taper to taper from")]
    peak = max(loading)
    found = []
    for k, week in enumerate(taper):
        limit = peak * (RACE_WEEK_MAX_FRACTION if k == len(taper) - 1 else TAPER_MAX_FRACTION)
        if week.normalized_volume_km > limit + EPSILON_KM:
            found.append(
                RuleViolation(
                    "taper",
                    "taper week not reduced enough",
                    week.index,
                    None,
                    week.normalized_volume_km,
                    limit,
                )
            )
        if k > 0 and week.normalized_volume_km > taper[k - 1].normalized_volume_km + EPSILON_KM:
            found.append(RuleViolation("taper", "taper volume goes up", week.index))
    return found


def check_plan(plan: TrainingPlan) -> list[RuleViolation]:
    """Every rule the plan breaks (empty when it keeps them all)."""
    found = _structure(plan)
    if not plan.weeks:
        return found
    for rule in (_race_day, _volumes, _long_runs, _intensity, _hard_days, _taper):
        found.extend(rule(plan))
    return found
