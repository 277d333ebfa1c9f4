"""Session-RPE load on the runs' scale, and strength days in generated plans that keep every plan rule."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from core.errors import PlanInputError, TrainingInputError
from tools.plans.model import Phase
from tools.plans.periodize import periodize
from tools.plans.rules import check_plan
from tools.training_load.activity import duration_load
from tools.training_load.strength import (
    add_strength_sessions,
    foster_load,
    intensity_factor,
    session_rpe_from_sets,
    session_rpe_load,
)
from tools.workouts.model import WorkoutKind


def test_the_anchors_of_the_scale() -> None:
    assert session_rpe_load(3, 60) == pytest.approx(duration_load(3600))  # moderate = the easy default
    assert session_rpe_load(8, 60) == pytest.approx(100.0)  # an hour all-out = threshold
    assert session_rpe_load(6, 60) == pytest.approx(72.25)
    assert session_rpe_load(0, 30) == 0.0
    assert foster_load(6, 45) == 270.0
    assert session_rpe_from_sets([7, 8, 9]) == 8 and session_rpe_from_sets([]) is None


@given(rpe=st.floats(0, 10), harder=st.floats(0, 10), minutes=st.floats(1, 600), more=st.floats(0.1, 100))
def test_load_grows_with_effort_and_time(rpe: float, harder: float, minutes: float, more: float) -> None:
    high = max(rpe, harder)
    assert session_rpe_load(high, minutes) >= session_rpe_load(rpe, minutes) - 1e-9
    assert session_rpe_load(rpe, minutes) == pytest.approx(minutes / 60 * 100 * intensity_factor(rpe) ** 2)
    if minutes + more <= 600:
        assert session_rpe_load(rpe, minutes + more) >= session_rpe_load(rpe, minutes)


def test_bad_ratings_are_refused() -> None:
    for rpe, minutes in ((11, 30), (-1, 30), (5, 0), (5, 601), (float("nan"), 30)):
        with pytest.raises(TrainingInputError):
            session_rpe_load(rpe, minutes)


plans = st.fixed_dictionaries(
    {
        "weeks": st.integers(10, 20),
        "distance": st.sampled_from([10_000.0, 21_097.5, 42_195.0]),
        "days_per_week": st.integers(3, 6),
        "long_run_weekday": st.integers(0, 6),
        "current": st.floats(25, 60),
        "per_week": st.integers(1, 3),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=plans)
def test_strength_days_keep_every_plan_rule(p: dict[str, float]) -> None:
    start = date(2026, 11, 23)
    try:
        plan = periodize(
            race_date=start + timedelta(days=7 * int(p["weeks"]) - 1),
            race_distance_m=p["distance"],
            start_date=start,
            days_per_week=int(p["days_per_week"]),
            long_run_weekday=int(p["long_run_weekday"]),
            current_weekly_km=p["current"],
            max_weekly_km=p["current"] * 1.6,
            current_vdot=45.0,
        )
    except PlanInputError:
        reject()
    with_strength = add_strength_sessions(plan, int(p["per_week"]))
    assert check_plan(with_strength) == []
    key_days = {s.day for s in plan.sessions if s.is_key}
    strength = [s for s in with_strength.sessions if s.kind is WorkoutKind.STRENGTH]
    if p["days_per_week"] <= 5:
        assert strength, "a plan on at most 5 running days has room for strength"
    for s in strength:
        assert s.day + timedelta(days=1) not in key_days
        assert s.day <= plan.race_date - timedelta(days=7)
        assert s.planned_distance_m == 0 and not s.is_key
    for a, b in itertools.pairwise(sorted(s.day for s in strength)):
        assert (b - a).days > 1
    days = [s.day for s in with_strength.sessions]
    assert len(days) == len(set(days))
    for before, after in zip(plan.weeks, with_strength.weeks, strict=True):
        placed = [s for s in after.sessions if s.kind is WorkoutKind.STRENGTH]
        assert len(placed) <= (1 if after.phase is Phase.TAPER else p["per_week"])
        assert after.volume_km == pytest.approx(before.volume_km)
        assert after.intense_s == before.intense_s and after.duration_s == before.duration_s
    assert add_strength_sessions(plan, 0) == plan
    with pytest.raises(TrainingInputError):
        add_strength_sessions(plan, 4)
