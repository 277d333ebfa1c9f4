"""Marathon shape (pure): the documented formula, its bounds and that more training never lowers it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import TrainingInputError
from tools.fitness.marathon_shape import (
    LONG_RUNS_NEEDED,
    long_run_credit,
    long_run_target_km,
    marathon_shape,
    weekly_target_km,
)
from tools.fitness.vdot import training_paces

vdots = st.floats(30.0, 75.0)
weeks = st.lists(st.floats(0.0, 200.0), min_size=1, max_size=8)
runs = st.lists(st.floats(0.0, 45.0), max_size=30)


def test_targets_for_vdot_50() -> None:
    assert weekly_target_km(50.0) == pytest.approx(50.0**1.135)
    assert weekly_target_km(50.0) == pytest.approx(84.8, abs=0.1)
    easy_mid = training_paces(50.0).easy_mid_s_per_km
    assert long_run_target_km(50.0) == pytest.approx(9000.0 / easy_mid)
    assert 28.5 < long_run_target_km(50.0) < 29.5
    assert long_run_target_km(70.0) == 32.0  # capped


def test_the_worked_examples_of_the_docstring() -> None:
    full = marathon_shape(50.0, [weekly_target_km(50.0)] * 8, [long_run_target_km(50.0)] * LONG_RUNS_NEEDED)
    assert full.percent == pytest.approx(100.0) and full.label == "ready"
    half = marathon_shape(50.0, [weekly_target_km(50.0) / 2] * 8, [22.0, 22.0, 10.0, 12.0])
    credit = (22.0 / long_run_target_km(50.0)) ** 2
    assert half.percent == pytest.approx(100 * (2 / 3 * 0.5 + 1 / 3 * 2 * credit / 4))
    assert half.percent == pytest.approx(43, abs=1) and half.label == "not_ready"
    assert half.counted_long_runs == 2


def test_short_runs_do_not_count_as_long_runs() -> None:
    target = long_run_target_km(50.0)
    assert long_run_credit(0.59 * target, target) == 0.0
    assert long_run_credit(0.8 * target, target) == pytest.approx(0.64)
    assert long_run_credit(1.5 * target, target) == 1.0


@given(vdot=vdots, weekly=weeks, distances=runs)
def test_shape_is_a_percentage(vdot: float, weekly: list[float], distances: list[float]) -> None:
    shape = marathon_shape(vdot, weekly, distances)
    assert 0.0 <= shape.percent <= 100.0
    assert shape.label == (
        "ready" if shape.percent >= 90 else "possible" if shape.percent >= 70 else "not_ready"
    )


@given(vdot=vdots, weekly=weeks, distances=runs, more_km=st.floats(0.1, 50.0), extra_run=st.floats(0.0, 45.0))
def test_more_training_never_lowers_the_shape(
    vdot: float, weekly: list[float], distances: list[float], more_km: float, extra_run: float
) -> None:
    base = marathon_shape(vdot, weekly, distances).percent
    assert marathon_shape(vdot, [w + more_km for w in weekly], distances).percent >= base - 1e-9
    assert marathon_shape(vdot, weekly, [*distances, extra_run]).percent >= base - 1e-9


@given(weekly=weeks, distances=runs, vdot=st.floats(30.0, 70.0), better=st.floats(0.5, 5.0))
def test_the_same_training_is_less_shape_for_a_fitter_runner(
    weekly: list[float], distances: list[float], vdot: float, better: float
) -> None:
    assert (
        marathon_shape(vdot + better, weekly, distances).percent
        <= marathon_shape(vdot, weekly, distances).percent + 1e-9
    )


def test_bad_input_is_refused() -> None:
    with pytest.raises(TrainingInputError, match="at least one week"):
        marathon_shape(50.0, [], [])
    with pytest.raises(TrainingInputError, match="non-negative"):
        marathon_shape(50.0, [-1.0], [])
    with pytest.raises(TrainingInputError, match="VDOT"):
        marathon_shape(5.0, [40.0], [])
