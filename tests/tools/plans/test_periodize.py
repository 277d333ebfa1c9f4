"""Plan generation: a worked marathon example, the rules on random inputs, and the checker's teeth."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, reject, settings
from hypothesis import strategies as st

from core.errors import PlanInputError
from tools.fitness.vdot import race_time_for_vdot, training_paces
from tools.plans.model import PHASE_ORDER, Phase, PlannedSession, TrainingPlan
from tools.plans.periodize import periodize
from tools.plans.rules import check_plan
from tools.workouts.model import PaceTarget, Step, WorkoutKind
from tools.workouts.sessions import build_workout

MARATHON: dict[str, Any] = {
    "race_date": date(2025, 4, 27),  # a Sunday
    "race_distance_m": 42_195.0,
    "start_date": date(2025, 1, 6),  # a Monday, 16 weeks before
    "days_per_week": 5,
    "long_run_weekday": 6,
    "current_weekly_km": 40.0,
    "max_weekly_km": 70.0,
    "current_vdot": 45.0,
}


@pytest.fixture(scope="module")
def marathon() -> TrainingPlan:
    return periodize(**MARATHON)


def week_km(sessions: list[PlannedSession]) -> float:
    return sum(s.planned_distance_m for s in sessions if s.kind is not WorkoutKind.RACE) / 1000.0


def test_marathon_example_keeps_every_rule(marathon: TrainingPlan) -> None:
    assert check_plan(marathon) == []


def test_marathon_example_calendar_and_phases(marathon: TrainingPlan) -> None:
    assert len(marathon.weeks) == 16
    assert marathon.weeks[0].start == MARATHON["start_date"]
    assert all(w.days == 7 for w in marathon.weeks)
    phases = [w.phase for w in marathon.weeks]
    assert phases == sorted(phases, key=PHASE_ORDER.index)
    assert phases[0] is Phase.BASE
    assert phases[-4] is Phase.PEAK
    assert phases[-3:] == [Phase.TAPER] * 3
    assert [w.index for w in marathon.weeks if w.is_recovery] == [4, 8, 12]


def test_marathon_example_race_and_long_runs(marathon: TrainingPlan) -> None:
    last = marathon.sessions[-1]
    assert (last.day, last.kind) == (MARATHON["race_date"], WorkoutKind.RACE)
    assert last.planned_distance_m == pytest.approx(42_195.0)
    for week in marathon.weeks[:-1]:
        (long_run,) = week.long_runs
        assert long_run.day.weekday() == 6
    assert marathon.weeks[-1].long_runs == []


def test_marathon_example_volumes_by_hand(marathon: TrainingPlan) -> None:
    volumes = [week_km(w.sessions) for w in marathon.weeks]
    assert volumes[0] <= 40.0 * 1.10
    assert max(volumes) <= 70.0
    assert max(volumes) >= 60.0  # it does build towards the maximum
    for previous, current, week in zip(volumes, volumes[1:], marathon.weeks[1:], strict=False):
        if (
            not week.is_recovery
            and week.phase is not Phase.TAPER
            and not marathon.weeks[week.index - 2].is_recovery
        ):
            assert current <= previous * 1.10 + 1e-9
    taper = volumes[-3:]
    assert taper[0] > taper[1] > taper[2]
    assert taper[2] <= 0.6 * max(volumes)


def test_marathon_example_hard_days_are_apart(marathon: TrainingPlan) -> None:
    key_days = [s.day for s in marathon.sessions if s.is_key]
    assert all((b - a).days >= 2 for a, b in itertools.pairwise(key_days))
    build_week = next(w for w in marathon.weeks if w.phase is Phase.BUILD and not w.is_recovery)
    kinds = {s.kind for s in build_week.sessions}
    assert {WorkoutKind.TEMPO, WorkoutKind.RACE_PACE, WorkoutKind.LONG} <= kinds


def test_marathon_example_uses_the_athletes_paces(marathon: TrainingPlan) -> None:
    paces = training_paces(45.0)
    easy = next(s for s in marathon.sessions if s.kind is WorkoutKind.EASY)
    (step,) = easy.workout.blocks
    assert isinstance(step, Step) and isinstance(step.target, PaceTarget)
    assert step.target.fastest_s_per_km == pytest.approx(paces.easy_fast_s_per_km)
    assert step.target.slowest_s_per_km == pytest.approx(paces.easy_slow_s_per_km)
    assert marathon.race_pace_s_per_km == pytest.approx(race_time_for_vdot(45.0, 42_195.0) / 42.195)


def test_plan_round_trips_through_json(marathon: TrainingPlan) -> None:
    assert TrainingPlan.model_validate_json(marathon.model_dump_json()) == marathon


def test_partial_first_week_is_an_easy_lead_in() -> None:
    plan = periodize(**{**MARATHON, "start_date": date(2025, 1, 2)})  # a Thursday: 4 extra days
    lead_in = plan.weeks[0]
    assert lead_in.phase is Phase.LEAD_IN and lead_in.days == 4
    assert {s.kind for s in lead_in.sessions} <= {WorkoutKind.EASY}
    assert lead_in.normalized_volume_km <= 40.0 + 1e-9
    assert check_plan(plan) == []


@st.composite
def plan_inputs(
    draw: st.DrawFn, min_weeks: int = 8, max_weeks: int = 24, enough: bool = True
) -> dict[str, Any]:
    """Inputs in the documented ranges; with `enough`, at least the weeks the distance needs."""
    distance = draw(st.sampled_from([5_000.0, 10_000.0, 21_097.5, 42_195.0]) | st.floats(5_000.0, 42_195.0))
    required = 6 if distance <= 10_000 else 8 if distance <= 21_097.5 else 10
    full_weeks = draw(st.integers(max(min_weeks, required) if enough else min_weeks, max_weeks))
    start = draw(st.dates(date(2024, 1, 1), date(2030, 12, 31)))
    race = start + timedelta(days=7 * full_weeks + draw(st.integers(0, 6)) - 1)
    current = draw(st.floats(15.0, 120.0))
    inputs: dict[str, Any] = {
        "race_date": race,
        "race_distance_m": distance,
        "start_date": start,
        "days_per_week": draw(st.integers(3, 7)),
        "long_run_weekday": draw(st.integers(0, 6)),
        "current_weekly_km": current,
        "max_weekly_km": draw(st.floats(current, 120.0)),
    }
    vdot = draw(st.floats(30.0, 75.0))
    if draw(st.booleans()):
        inputs["current_vdot"] = vdot
    else:
        inputs["goal_time_s"] = race_time_for_vdot(vdot, distance) * draw(st.floats(0.95, 1.05))
    return inputs


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(plan_inputs())
def test_generated_plans_keep_every_rule(inputs: dict[str, Any]) -> None:
    try:
        plan = periodize(**inputs)
    except PlanInputError as error:
        # The only refusals inside these ranges: too little volume growth for the distance, or a current
        # volume the days given cannot hold within the rules (e.g. more than ~34 km on 3 runs).
        assert "reaches only" in str(error) or "runs a week hold only" in str(error)
        event("refused: too little growth" if "reaches only" in str(error) else "refused: too few days")
        reject()
    event("planned")
    assert check_plan(plan) == []
    assert plan.sessions[-1].day == inputs["race_date"]
    assert max(w.normalized_volume_km for w in plan.weeks) <= inputs["max_weekly_km"] + 1e-6


def test_typical_inputs_all_give_a_plan() -> None:
    # Guards the property test above against passing by rejecting: a fixed grid of common situations.
    for distance, weeks, (days, current) in itertools.product(
        (5_000.0, 10_000.0, 21_097.5, 42_195.0),
        (12, 16, 24),
        ((3, 20.0), (3, 30.0), (4, 35.0), (5, 45.0), (6, 70.0), (7, 90.0)),
    ):
        inputs = {
            **MARATHON,
            "race_distance_m": distance,
            "race_date": MARATHON["start_date"] + timedelta(days=7 * weeks - 1),
            "current_weekly_km": current,
            "max_weekly_km": 100.0,
            "days_per_week": days,
            "current_vdot": 48.0,
        }
        if distance == 42_195.0 and days == 3:  # 3 runs hold ~34 km a week; a marathon needs 40
            with pytest.raises(PlanInputError, match="run more days a week"):
                periodize(**inputs)
            continue
        assert check_plan(periodize(**inputs)) == [], (distance, weeks, days, current)


@st.composite
def any_plan_inputs(draw: st.DrawFn) -> dict[str, Any]:
    """Plan inputs with at most one field pushed anywhere, valid or not."""
    inputs = draw(plan_inputs(min_weeks=1, max_weeks=34, enough=False))
    field = draw(st.sampled_from(["", "race_date", "race_distance_m", "days_per_week", "current", "maximum"]))
    if field == "race_date":
        inputs["race_date"] = inputs["start_date"] + timedelta(days=draw(st.integers(-30, 30)))
    elif field == "race_distance_m":
        inputs["race_distance_m"] = draw(st.floats(100.0, 100_000.0))
    elif field == "days_per_week":
        inputs["days_per_week"] = draw(st.integers(-1, 10))
    elif field == "current":
        inputs["current_weekly_km"] = draw(st.floats(0.0, 300.0))
    elif field == "maximum":
        inputs["max_weekly_km"] = draw(st.floats(0.0, 300.0))
    return inputs


@settings(max_examples=100, deadline=None)
@given(any_plan_inputs())
def test_any_input_gives_a_valid_plan_or_a_clear_error(inputs: dict[str, Any]) -> None:
    try:
        plan = periodize(**inputs)
    except PlanInputError as error:
        assert isinstance(error, ValueError)
        assert len(error.message) > 20
        event("refused: " + re.sub(r"[\d.–-]+", "N", str(error))[:45])
        return
    event("planned")
    assert check_plan(plan) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"race_date": date(2025, 1, 1)}, "not after the plan start"),
        ({"max_weekly_km": 30.0}, "raise the maximum"),
        ({"race_date": date(2025, 3, 9)}, "too short"),
        ({"days_per_week": 2}, "3–7"),
        ({"current_vdot": None}, "goal time or a current VDOT"),
        ({"current_weekly_km": 5.0, "max_weekly_km": 5.0}, "build up to"),
        ({"current_weekly_km": 12.0, "max_weekly_km": 30.0}, "reaches only"),
        ({"days_per_week": 3}, "on 3 runs the plan reaches only 34 km"),
        ({"days_per_week": 3, "current_weekly_km": 50.0, "race_distance_m": 10_000.0}, "run on more days"),
    ],
)
def test_invalid_inputs_say_what_to_change(change: dict[str, Any], message: str) -> None:
    with pytest.raises(PlanInputError, match=message) as raised:
        periodize(**{**MARATHON, **change})
    assert isinstance(raised.value, ValueError)


# --- the checker must catch each kind of violation ----------------------------------------------------


def with_sessions(
    plan: TrainingPlan, change: Callable[[PlannedSession], PlannedSession | None]
) -> TrainingPlan:
    weeks = []
    for week in plan.weeks:
        sessions = [new for s in week.sessions if (new := change(s)) is not None]
        weeks.append(week.model_copy(update={"sessions": sessions}))
    return plan.model_copy(update={"weeks": weeks})


def session_on(plan: TrainingPlan, week_index: int, kind: WorkoutKind) -> PlannedSession:
    return next(s for s in plan.weeks[week_index - 1].sessions if s.kind is kind)


PACES = training_paces(45.0)


def longer_easy_run(plan: TrainingPlan) -> TrainingPlan:
    target = session_on(plan, 2, WorkoutKind.EASY)
    bigger = build_workout(WorkoutKind.EASY, PACES, distance_km=target.planned_distance_m / 1000 + 12)
    return with_sessions(plan, lambda s: s.model_copy(update={"workout": bigger}) if s == target else s)


def huge_long_run(plan: TrainingPlan) -> TrainingPlan:
    target = session_on(plan, 3, WorkoutKind.LONG)
    week = plan.weeks[2].volume_km
    bigger = build_workout(WorkoutKind.LONG, PACES, distance_km=target.planned_distance_m / 1000 + 0.2 * week)
    return with_sessions(plan, lambda s: s.model_copy(update={"workout": bigger}) if s == target else s)


def easy_run_longer_than_long_run(plan: TrainingPlan) -> TrainingPlan:
    long_run = session_on(plan, 6, WorkoutKind.LONG)
    target = session_on(plan, 6, WorkoutKind.EASY)
    bigger = build_workout(WorkoutKind.EASY, PACES, distance_km=long_run.planned_distance_m / 1000 + 0.5)
    return with_sessions(plan, lambda s: s.model_copy(update={"workout": bigger}) if s == target else s)


def tempo_after_long_run(plan: TrainingPlan) -> TrainingPlan:
    long_run = session_on(plan, 5, WorkoutKind.LONG)
    tempo = build_workout(WorkoutKind.TEMPO, PACES, quality_minutes=20)
    day_after = long_run.day + timedelta(days=1)
    return with_sessions(plan, lambda s: s.model_copy(update={"workout": tempo}) if s.day == day_after else s)


def all_hard_week(plan: TrainingPlan) -> TrainingPlan:
    week = plan.weeks[5]
    tempo = build_workout(WorkoutKind.TEMPO, PACES, quality_minutes=40)
    return with_sessions(
        plan, lambda s: s.model_copy(update={"workout": tempo}) if week.start <= s.day <= week.end else s
    )


def no_taper(plan: TrainingPlan) -> TrainingPlan:
    peak = max((w for w in plan.weeks if w.phase is Phase.PEAK), key=lambda w: w.volume_km)
    first_taper = next(w for w in plan.weeks if w.phase is Phase.TAPER)
    shift = first_taper.start - peak.start
    copied = [s.model_copy(update={"day": s.day + shift}) for s in peak.sessions]
    weeks = [w.model_copy(update={"sessions": copied}) if w is first_taper else w for w in plan.weeks]
    return plan.model_copy(update={"weeks": weeks})


def no_race(plan: TrainingPlan) -> TrainingPlan:
    return with_sessions(plan, lambda s: None if s.kind is WorkoutKind.RACE else s)


def no_recovery_weeks(plan: TrainingPlan) -> TrainingPlan:
    return plan.model_copy(
        update={"weeks": [w.model_copy(update={"is_recovery": False}) for w in plan.weeks]}
    )


def lower_maximum(plan: TrainingPlan) -> TrainingPlan:
    return plan.model_copy(update={"max_weekly_km": 50.0})


@pytest.mark.parametrize(
    ("mutate", "rule"),
    [
        (longer_easy_run, "ramp"),
        (huge_long_run, "long_run_share"),
        (easy_run_longer_than_long_run, "long_run_longest"),
        (tempo_after_long_run, "consecutive_hard_days"),
        (all_hard_week, "intensity_distribution"),
        (no_taper, "taper"),
        (no_race, "race_day"),
        (no_recovery_weeks, "recovery_cadence"),
        (lower_maximum, "max_volume"),
    ],
)
def test_check_plan_catches_each_violation(
    marathon: TrainingPlan, mutate: Callable[[TrainingPlan], TrainingPlan], rule: str
) -> None:
    violations = check_plan(mutate(marathon))
    assert rule in {v.rule for v in violations}
    assert all(v.message for v in violations)
