"""B races get a mini-taper, C races are training, and the plan keeps every rule either way (pure)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from tools.plans.periodize import periodize
from tools.plans.race_days import CalendarRace, fit_races
from tools.plans.rules import check_plan
from tools.workouts.model import WorkoutKind

START = date(2026, 11, 23)


def _plan(distance_m: float = 21_097.5, weeks: int = 10, days: int = 5) -> object:
    return periodize(
        race_date=START + timedelta(weeks=weeks, days=6),
        race_distance_m=distance_m,
        start_date=START,
        days_per_week=days,
        long_run_weekday=6,
        current_weekly_km=40,
        max_weekly_km=60,
        goal_time_s=None,
        current_vdot=45,
    )


def test_a_b_race_on_a_long_run_day_gets_easy_days_around_it() -> None:
    plan = _plan()
    b_day = START + timedelta(weeks=6, days=6)  # a Sunday: the long run's day
    fitted = fit_races(plan, [CalendarRace("Club 10K", b_day, "B", 10_000.0)])  # type: ignore[arg-type]
    assert check_plan(fitted.plan) == [] and fitted.notes == [
        f"B race Club 10K on {b_day}: easy days before and after it (a mini-taper)"
    ]
    by_day = {s.day: s for s in fitted.plan.sessions}
    assert by_day[b_day].workout.name == "B race: Club 10K" and by_day[b_day].planned_distance_m >= 10_000
    for d in (1, 2):
        before = by_day.get(b_day - timedelta(days=d))
        assert before is None or not before.is_key
    after = by_day.get(b_day + timedelta(days=1))
    assert after is None or not after.is_key
    # the race week keeps its volume (its other easy runs take what the mini-taper took); no other week
    # changed
    for old, new in zip(plan.weeks, fitted.plan.weeks, strict=True):  # type: ignore[attr-defined]
        if old.start <= b_day <= old.end:
            assert abs(new.volume_km - old.volume_km) < 0.3
        elif not old.start <= b_day + timedelta(days=1) <= old.end:
            assert new == old


def test_a_c_race_is_that_days_session_renamed() -> None:
    plan = _plan()
    session = next(s for s in plan.sessions if s.kind is WorkoutKind.LONG)  # type: ignore[attr-defined]
    fitted = fit_races(plan, [CalendarRace("Parkrun", session.day, "C")])  # type: ignore[arg-type]
    changed = next(s for s in fitted.plan.sessions if s.day == session.day)
    assert changed.workout.name == f"C race Parkrun, run as: {session.workout.name}"
    assert changed.workout.blocks == session.workout.blocks and check_plan(fitted.plan) == []
    rest_day = next(
        START + timedelta(days=d)
        for d in range(14)
        if all(s.day != START + timedelta(days=d) for s in plan.sessions)  # type: ignore[attr-defined]
    )
    quiet = fit_races(plan, [CalendarRace("Parkrun", rest_day, "C")])  # type: ignore[arg-type]
    assert quiet.plan == plan and "day without training" in quiet.notes[0]


def test_any_b_or_c_race_leaves_a_plan_that_keeps_every_rule() -> None:
    rng = random.Random(17)
    fitted_b = 0
    for _ in range(40):
        weeks = rng.randint(8, 16)
        plan = _plan(rng.choice([10_000.0, 21_097.5]), weeks, rng.randint(4, 6))
        day = START + timedelta(days=rng.randint(0, weeks * 7 + 5))
        race = CalendarRace("Some race", day, rng.choice("BC"), rng.choice([5_000.0, 10_000.0, None]))
        fitted = fit_races(plan, [race])  # type: ignore[arg-type]
        assert check_plan(fitted.plan) == [], (race, fitted.notes)
        assert len(fitted.notes) == (1 if day < plan.race_date else 0)  # type: ignore[attr-defined]
        if fitted.notes and "could not be fitted" in fitted.notes[0]:
            assert fitted.plan == plan
        fitted_b += race.priority == "B" and bool(fitted.notes) and "mini-taper" in fitted.notes[0]
    assert fitted_b >= 5  # most B races fit; the rest are reported, never stored against the rules
