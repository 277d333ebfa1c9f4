"""Load over days: daily series, CTL/ATL/TSB, ACWR, monotony and strain."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import TrainingInputError
from tools.training_load.science import (
    DailyLoad,
    acute_chronic_ratios,
    daily_loads,
    fitness_fatigue,
    monotony,
    strain,
)

DAY0 = date(2025, 3, 1)


def series(loads: list[float]) -> list[DailyLoad]:
    return [DailyLoad(DAY0 + timedelta(days=k), load) for k, load in enumerate(loads)]


def test_daily_loads_fill_rest_days_with_zero_and_sum_doubles() -> None:
    activities = [(DAY0, 50.0), (DAY0 + timedelta(days=3), 30.0), (DAY0 + timedelta(days=3), 20.0)]
    days = daily_loads(activities, end=DAY0 + timedelta(days=4))
    assert [d.load for d in days] == [50.0, 0.0, 0.0, 50.0, 0.0]
    assert [d.day for d in days] == [DAY0 + timedelta(days=k) for k in range(5)]


def test_daily_loads_ignore_activities_outside_the_range() -> None:
    days = daily_loads([(DAY0, 50.0), (DAY0 + timedelta(days=10), 70.0)], DAY0, DAY0 + timedelta(days=2))
    assert [d.load for d in days] == [50.0, 0.0, 0.0]


def test_ctl_atl_tsb_first_days_by_hand() -> None:
    first, second = fitness_fatigue(series([100.0, 0.0]))
    assert first.ctl == pytest.approx(100 / 42)
    assert first.atl == pytest.approx(100 / 7)
    assert first.tsb == 0.0  # yesterday's CTL − ATL, both 0 before the series
    assert second.tsb == pytest.approx(100 / 42 - 100 / 7)
    assert second.ctl == pytest.approx(100 / 42 * (41 / 42))


def test_a_gap_in_the_series_is_refused() -> None:
    with pytest.raises(TrainingInputError, match="contiguous"):
        fitness_fatigue([DailyLoad(DAY0, 10.0), DailyLoad(DAY0 + timedelta(days=2), 10.0)])


daily = st.lists(st.floats(0, 400), min_size=1, max_size=200)


@given(daily)
def test_ctl_and_atl_stay_between_zero_and_the_largest_load(loads: list[float]) -> None:
    top = max(loads)
    for point in fitness_fatigue(series(loads)):
        assert 0.0 <= point.ctl <= top + 1e-9
        assert 0.0 <= point.atl <= top + 1e-9


@given(st.floats(1, 300))
def test_constant_load_converges_to_that_load(load: float) -> None:
    last = fitness_fatigue(series([load] * 400))[-1]
    assert last.ctl == pytest.approx(load, rel=1e-3)
    assert last.atl == pytest.approx(load, rel=1e-6)
    assert last.tsb == pytest.approx(0.0, abs=load * 1e-3)


@given(st.floats(1, 300), st.integers(1, 120))
def test_building_from_rest_makes_form_negative_and_resting_makes_it_positive(load: float, days: int) -> None:
    points = fitness_fatigue(series([load] * days + [0.0] * 30))
    assert all(p.tsb <= 0 for p in points[:days])  # fatigue rises faster than fitness
    assert points[-1].tsb > 0  # after a month of rest, fatigue has dropped below fitness


def test_acwr_rolling_by_hand() -> None:
    loads = [50.0] * 21 + [100.0] * 7
    ratios = acute_chronic_ratios(loads)
    assert ratios[:27] == [None] * 27
    # acute 100; chronic (21·50 + 7·100) / 28 = 62.5
    assert ratios[27] == pytest.approx(100 / 62.5)


@given(st.floats(1, 300), st.sampled_from(["rolling", "ewma"]))
def test_acwr_of_a_constant_load_is_near_one(load: float, method: str) -> None:
    ratios = acute_chronic_ratios([load] * 120, method=method)  # type: ignore[arg-type]
    assert ratios[-1] == pytest.approx(1.0, rel=1e-3)


def test_acwr_is_none_without_chronic_load() -> None:
    assert acute_chronic_ratios([0.0] * 40)[-1] is None


def test_acwr_ewma_spike_is_above_one() -> None:
    ratios = acute_chronic_ratios([40.0] * 60 + [120.0] * 7, method="ewma")
    assert ratios[-1] is not None and ratios[-1] > 1.5


def test_monotony_and_strain_by_hand() -> None:
    # Four days of 100 in seven: mean 400/7, population SD 100·√(4/7·3/7); monotony = √(4/3).
    week = [100.0, 0.0, 100.0, 0.0, 100.0, 0.0, 100.0]
    assert monotony(week) == pytest.approx(math.sqrt(4 / 3))
    assert strain(week) == pytest.approx(400 * math.sqrt(4 / 3))


def test_monotony_of_a_constant_week_is_undefined() -> None:
    assert monotony([60.0] * 7) is None
    assert strain([60.0] * 7) is None


def test_monotony_needs_seven_days() -> None:
    with pytest.raises(TrainingInputError, match="7 daily loads"):
        monotony([1.0, 2.0])


def test_negative_loads_are_refused() -> None:
    with pytest.raises(TrainingInputError):
        daily_loads([(DAY0, -5.0)])
