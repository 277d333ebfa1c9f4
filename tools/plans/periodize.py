"""Periodized plan generation to a race date, keeping every rule of `plan_rules.py` by construction.

Calendar. Weeks are 7-day blocks ending on race day; when the days from the start date do not divide
into weeks, the first, partial block is a *lead-in* of easy runs at the current volume (scaled to its
days). Full weeks are, in order: base (~40 %), build (~40 %), peak (~20 %, at least one week) and the
taper (3 weeks for races of 30 km and more, else 2). Before the taper every 4th week is a recovery week
(75 % of the week before); when that would fall just before the taper it moves one week earlier, so the
peak week leads into the taper.

Volume. A loading week is min(max_weekly_km, 1.10 × the last loading week), starting from the current
volume. Taper weeks are 80/65/45 % (3 weeks) or 75/50 % (2 weeks) of the peak, race week without the race.
Marathon peak weeks finish the long run at M pace. How each week is laid out: `plan_weeks.py`.

Refusals (PlanInputError, saying what to change): a race not after the start, a distance outside 5K–
marathon, days per week outside 3–7, a current volume under 10 km or a maximum below it, no goal time
and no VDOT, fewer full weeks than the distance needs (5K/10K 6, half 8, marathon 10) or more than 30,
a projected peak below what the distance needs (10/25/40 km a week for 10K/half/marathon — 3 runs a week
hold about 34 km, so no marathon on 3 runs), and a current volume the days given cannot hold (the first
week would be more than 10 % below it).
"""

from __future__ import annotations

from datetime import date, timedelta

from core.errors import PlanInputError, TrainingInputError
from tools.fitness.vdot import (
    MARATHON_M,
    MAX_VDOT,
    MIN_VDOT,
    race_time_for_vdot,
    training_paces,
    vdot_from_race,
)
from tools.plans.availability import OPEN, Availability
from tools.plans.model import Phase, PlanWeek, TrainingPlan
from tools.plans.rules import RAMP_LIMIT
from tools.plans.weeks import RUN_OFFSETS, Athlete, build_week, week_capacity_km

MIN_RACE_M = 5_000.0
MAX_RACE_M = MARATHON_M
MIN_CURRENT_KM = 10.0
MAX_WEEKLY_KM = 250.0
MAX_WEEKS = 30
# (longest race distance, minimum full weeks, minimum projected peak km/week)
REQUIREMENTS: tuple[tuple[float, int, float], ...] = (
    (10_000.0, 6, 10.0),
    (21_097.5, 8, 25.0),
    (MARATHON_M, 10, 40.0),
)
RECOVERY_EVERY = 4
RECOVERY_FRACTION = 0.75
TAPER_FRACTIONS = {2: (0.75, 0.50), 3: (0.80, 0.65, 0.45)}
CAPACITY_FLOOR = 0.9


def _requirement(distance_m: float) -> tuple[int, float]:
    return next((weeks, peak) for limit, weeks, peak in REQUIREMENTS if distance_m <= limit)


def _validate(
    race_date: date,
    race_distance_m: float,
    start_date: date,
    days_per_week: int,
    long_run_weekday: int,
    current_weekly_km: float,
    max_weekly_km: float,
    goal_time_s: float | None,
    current_vdot: float | None,
) -> int:
    """Check the inputs; return the number of full weeks."""
    if race_date <= start_date:
        raise PlanInputError(
            f"the race date {race_date} is not after the plan start {start_date}; choose a race in the future"
        )
    if not MIN_RACE_M <= race_distance_m <= MAX_RACE_M:
        raise PlanInputError(
            f"race distance must be 5 000–42 195 m (5K to marathon), got {race_distance_m:g} m"
        )
    if days_per_week not in RUN_OFFSETS:
        raise PlanInputError(f"days per week must be 3–7, got {days_per_week}")
    if long_run_weekday not in range(7):
        raise PlanInputError(f"long-run weekday must be 0 (Monday) … 6 (Sunday), got {long_run_weekday}")
    if not MIN_CURRENT_KM <= current_weekly_km <= MAX_WEEKLY_KM:
        raise PlanInputError(
            f"current weekly volume must be {MIN_CURRENT_KM:g}–{MAX_WEEKLY_KM:g} km, "
            f"got {current_weekly_km:g}; "
            f"build up to {MIN_CURRENT_KM:g} km a week of easy running before starting a race plan"
        )
    if not current_weekly_km <= max_weekly_km <= MAX_WEEKLY_KM:
        raise PlanInputError(
            f"maximum weekly volume ({max_weekly_km:g} km) must be at least the current volume "
            f"({current_weekly_km:g} km) and at most {MAX_WEEKLY_KM:g} km; raise the maximum"
        )
    if goal_time_s is None and current_vdot is None:
        raise PlanInputError("give a goal time or a current VDOT so the plan can set paces")
    if current_vdot is not None and not MIN_VDOT <= current_vdot <= MAX_VDOT:
        raise PlanInputError(f"current VDOT must be {MIN_VDOT:g}–{MAX_VDOT:g}, got {current_vdot:g}")
    full_weeks = ((race_date - start_date).days + 1) // 7
    min_weeks, min_peak = _requirement(race_distance_m)
    if full_weeks < min_weeks:
        raise PlanInputError(
            f"{full_weeks} full weeks is too short for a {race_distance_m / 1000:g} km race; "
            f"it needs at least {min_weeks}: pick a later race, start earlier or choose a shorter distance"
        )
    if full_weeks > MAX_WEEKS:
        raise PlanInputError(
            f"{full_weeks} weeks is longer than the {MAX_WEEKS} a plan covers; start the plan later"
        )
    projected = min(
        _projected_peak(full_weeks, race_distance_m, current_weekly_km, max_weekly_km),
        week_capacity_km(len(RUN_OFFSETS[days_per_week])),
    )
    if projected < min_peak:
        raise PlanInputError(
            f"starting from {current_weekly_km:g} km a week on {days_per_week} runs the plan reaches only "
            f"{projected:.0f} km a week by its peak; a {race_distance_m / 1000:g} km race needs at least "
            f"{min_peak:g}: raise the maximum volume, run more days a week, start earlier or choose a "
            "shorter race"
        )
    return full_weeks


def _taper_weeks(distance_m: float) -> int:
    return 3 if distance_m >= 30_000.0 else 2


def _skeleton(full_weeks: int, distance_m: float) -> list[tuple[Phase, bool]]:
    """(phase, is_recovery) for each full week."""
    taper = _taper_weeks(distance_m)
    loading = full_weeks - taper
    peak = max(1, round(loading * 0.2))
    build = max(1, round(loading * 0.4)) if loading >= 3 else 0
    base = loading - peak - build
    phases = [Phase.BASE] * base + [Phase.BUILD] * build + [Phase.PEAK] * peak
    recovery = [(k + 1) % RECOVERY_EVERY == 0 for k in range(loading)]
    if loading >= RECOVERY_EVERY and recovery[-1]:
        recovery[-1], recovery[-2] = False, True
    return list(zip(phases, recovery, strict=True)) + [(Phase.TAPER, False)] * taper


def _projected_peak(full_weeks: int, distance_m: float, current_km: float, max_km: float) -> float:
    volume = current_km
    for phase, is_recovery in _skeleton(full_weeks, distance_m):
        if phase is not Phase.TAPER and not is_recovery:
            volume = min(max_km, volume * (1 + RAMP_LIMIT))
    return volume


def periodize(
    *,
    race_date: date,
    race_distance_m: float,
    start_date: date,
    days_per_week: int,
    long_run_weekday: int,
    current_weekly_km: float,
    max_weekly_km: float,
    goal_time_s: float | None = None,
    current_vdot: float | None = None,
    availability: Availability = OPEN,
) -> TrainingPlan:
    """A periodized plan from `start_date` to the race (see the module docstring for how it is built).
    Sessions go on the days `availability` leaves open, within each day's time (`plans.availability`).

    Training paces come from `current_vdot` when given, else from the VDOT of the goal time; race pace is
    the goal pace when given, else the VDOT-equivalent pace. Raises PlanInputError for inputs that cannot
    give a safe plan, with what to change.
    """
    full_weeks = _validate(
        race_date,
        race_distance_m,
        start_date,
        days_per_week,
        long_run_weekday,
        current_weekly_km,
        max_weekly_km,
        goal_time_s,
        current_vdot,
    )
    try:
        vdot = (
            current_vdot if current_vdot is not None else vdot_from_race(race_distance_m, goal_time_s or 0.0)
        )
    except TrainingInputError as error:
        raise PlanInputError(f"the goal time cannot be used: {error.message}") from error
    if not MIN_VDOT <= vdot <= MAX_VDOT:
        raise PlanInputError(
            f"the goal time gives VDOT {vdot:.1f}, outside {MIN_VDOT:g}–{MAX_VDOT:g}; check it"
        )
    race_pace = (goal_time_s if goal_time_s is not None else race_time_for_vdot(vdot, race_distance_m)) / (
        race_distance_m / 1000.0
    )
    athlete = Athlete(
        training_paces(vdot),
        race_pace,
        race_distance_m,
        race_date,
        days_per_week,
        long_run_weekday,
        availability,
    )

    first_full = race_date - timedelta(days=7 * full_weeks - 1)
    weeks: list[PlanWeek] = []
    if first_full > start_date:
        end = first_full - timedelta(days=1)
        target = current_weekly_km * ((end - start_date).days + 1) / 7.0
        sessions = build_week(start_date, end, Phase.LEAD_IN, False, target, athlete)
        weeks.append(PlanWeek(index=0, start=start_date, end=end, phase=Phase.LEAD_IN, sessions=sessions))

    reference = current_weekly_km
    loading_volumes: list[float] = []
    previous = current_weekly_km
    taper_fractions = TAPER_FRACTIONS[_taper_weeks(race_distance_m)]
    taper_index = 0
    for k, (phase, is_recovery) in enumerate(_skeleton(full_weeks, race_distance_m)):
        start = first_full + timedelta(days=7 * k)
        if phase is Phase.TAPER:
            target = min(taper_fractions[taper_index] * max(loading_volumes), 0.95 * previous)
            taper_index += 1
        elif is_recovery:
            target = RECOVERY_FRACTION * previous
        else:
            target = min(max_weekly_km, reference * (1 + RAMP_LIMIT))
        sessions = build_week(start, start + timedelta(days=6), phase, is_recovery, target, athlete)
        week = PlanWeek(
            index=k + 1,
            start=start,
            end=start + timedelta(days=6),
            phase=phase,
            is_recovery=is_recovery,
            sessions=sessions,
        )
        if k == 0 and week.volume_km < CAPACITY_FLOOR * current_weekly_km:
            raise PlanInputError(
                f"{days_per_week} runs a week hold only about {week.volume_km:.0f} km within the plan's "
                "limits (long run ≤ 32 % of the week and the longest run, easy runs ≤ 90 min), "
                f"well below your current {current_weekly_km:g} km: run on more days a week"
            )
        weeks.append(week)
        previous = week.volume_km
        if phase is not Phase.TAPER and not is_recovery:
            reference = week.volume_km
            loading_volumes.append(week.volume_km)

    return TrainingPlan(
        race_date=race_date,
        race_distance_m=race_distance_m,
        start_date=start_date,
        vdot=vdot,
        race_pace_s_per_km=race_pace,
        goal_time_s=goal_time_s,
        days_per_week=days_per_week,
        long_run_weekday=long_run_weekday,
        current_weekly_km=current_weekly_km,
        max_weekly_km=max_weekly_km,
        weeks=weeks,
    )
