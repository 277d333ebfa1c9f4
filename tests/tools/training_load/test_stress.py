"""Session load: Banister TRIMP, grade adjustment, normalized graded pace, rTSS."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import TrainingInputError
from tools.training_load.stress import (
    banister_trimp,
    grade_adjusted_speed,
    minetti_cost,
    normalized_graded_pace,
    rtss,
)


def test_trimp_one_hour_at_half_reserve_by_hand() -> None:
    # HRr = (120 − 50) / (190 − 50) = 0.5; men: 60 · 0.5 · 0.64 · e^0.96; women: 60 · 0.5 · 0.86 · e^0.835.
    hr = [120.0] * 3600
    assert banister_trimp(hr, 50, 190, "male") == pytest.approx(60 * 0.5 * 0.64 * math.exp(0.96))
    assert banister_trimp(hr, 50, 190, "female") == pytest.approx(60 * 0.5 * 0.86 * math.exp(0.835))


def test_trimp_caps_gaps_between_samples() -> None:
    # Two samples an hour apart count the 10-s cap plus the last sample's second, not an hour.
    hr = [120.0, 120.0]
    capped = banister_trimp(hr, 50, 190, "male", timestamps_s=[0.0, 3600.0])
    per_minute = 0.5 * 0.64 * math.exp(0.96)
    assert capped == pytest.approx(per_minute * 11 / 60)


def test_trimp_uses_sample_durations_from_timestamps() -> None:
    # Smart recording: a sample every 4 s counts 4 s each.
    hr = [120.0] * 900
    timestamps = [4.0 * k for k in range(900)]
    per_minute = 0.5 * 0.64 * math.exp(0.96)
    expected = per_minute * (899 * 4 + 1) / 60
    assert banister_trimp(hr, 50, 190, "male", timestamps_s=timestamps) == pytest.approx(expected)


def test_trimp_skips_missing_heart_rate_and_clamps_the_reserve() -> None:
    assert banister_trimp([None, None], 50, 190, "male") == 0.0
    assert banister_trimp([40.0] * 60, 50, 190, "male") == 0.0
    assert banister_trimp([250.0] * 60, 50, 190, "male") == pytest.approx(0.64 * math.exp(1.92))


def test_trimp_refuses_resting_above_max_and_unordered_timestamps() -> None:
    with pytest.raises(TrainingInputError):
        banister_trimp([120.0], 190, 50, "male")
    with pytest.raises(TrainingInputError):
        banister_trimp([120.0, 121.0], 50, 190, "male", timestamps_s=[10.0, 5.0])


heart_rates = st.lists(st.one_of(st.none(), st.floats(30, 220)), max_size=300)


@given(heart_rates, st.sampled_from(["male", "female"]))
def test_trimp_is_never_negative(hr: list[float | None], sex: str) -> None:
    assert banister_trimp(hr, 50, 190, sex) >= 0.0  # type: ignore[arg-type]


@given(heart_rates, heart_rates)
def test_trimp_grows_with_duration(hr: list[float | None], more: list[float | None]) -> None:
    assert banister_trimp(hr + more, 50, 190, "male") >= banister_trimp(hr, 50, 190, "male")


@given(st.lists(st.floats(30, 220), min_size=1, max_size=300), st.floats(0, 40))
def test_trimp_grows_with_heart_rate(hr: list[float], extra: float) -> None:
    harder = [h + extra for h in hr]
    assert banister_trimp(harder, 50, 190, "female") >= banister_trimp(hr, 50, 190, "female")


def test_minetti_cost_shape() -> None:
    assert minetti_cost(0.0) == pytest.approx(3.6)
    # Minetti 2002: the cheapest gradient is about −20 %, at roughly half the cost of the flat; cost then
    # rises with every uphill percent; beyond ±45 % the fit is clamped.
    grid = [k / 100 for k in range(-45, 46)]
    cheapest = min(grid, key=minetti_cost)
    assert -0.25 <= cheapest <= -0.15
    assert 0.4 < minetti_cost(-0.2) / minetti_cost(0.0) < 0.6
    uphill = [minetti_cost(k / 100) for k in range(0, 46)]
    assert all(a < b for a, b in itertools.pairwise(uphill))
    assert minetti_cost(0.6) == minetti_cost(0.45)
    assert grade_adjusted_speed(3.0, 0.1) > 3.0 > grade_adjusted_speed(3.0, -0.1)


def test_ngp_of_an_even_flat_run_is_its_pace() -> None:
    assert normalized_graded_pace([4.0] * 1800) == pytest.approx(250.0)


def test_ngp_rewards_hills_and_variable_pace() -> None:
    flat = normalized_graded_pace([4.0] * 1800)
    hilly = normalized_graded_pace([4.0] * 1800, [0.05] * 1800)
    surging = normalized_graded_pace([3.0] * 600 + [5.0] * 600 + [3.0] * 600)
    even_same_average = normalized_graded_pace([11.0 / 3.0] * 1800)
    assert flat is not None and hilly is not None and surging is not None and even_same_average is not None
    assert hilly < flat  # a faster equivalent pace uphill
    assert surging < even_same_average


def test_ngp_needs_thirty_seconds() -> None:
    assert normalized_graded_pace([4.0] * 29) is None
    assert normalized_graded_pace([None] * 100) is None


def test_rtss_one_hour_at_threshold_is_100() -> None:
    assert rtss(3600, 255.0, 255.0) == pytest.approx(100.0)
    # 30 min at IF 0.8 → 0.5 · 0.64 · 100 = 32.
    assert rtss(1800, 300.0, 240.0) == pytest.approx(32.0)


def test_rtss_refuses_a_zero_pace() -> None:
    with pytest.raises(TrainingInputError):
        rtss(3600, 0.0, 255.0)


def _trimp_term_by_term(
    heart_rates: list[float | None], resting: float, max_hr: float, sex: str, timestamps: list[float]
) -> float:
    """Banister TRIMP as it was written before its terms were worked out once per distinct pair."""
    a, b = {"male": (0.64, 1.92), "female": (0.86, 1.67)}[sex]
    gaps = [min(later - earlier, 10.0) for earlier, later in itertools.pairwise(timestamps)]
    gaps += [1.0] if timestamps else []
    total = 0.0
    for hr, seconds in zip(heart_rates, gaps, strict=True):
        if hr is None or not math.isfinite(hr):
            continue
        x = min(1.0, max(0.0, (hr - resting) / (max_hr - resting)))
        total += seconds / 60.0 * x * a * math.exp(b * x)
    return total


@given(
    st.lists(
        st.tuples(
            st.one_of(
                st.none(),
                st.integers(30, 230),
                st.floats(30, 230),
                st.sampled_from([math.nan, math.inf]),
            ),
            st.sampled_from([0.0, 1.0, 1.0, 1.0, 2.0, 0.5, 7.25, 30.0]),
        ),
        max_size=300,
    ),
    st.sampled_from(["male", "female"]),
)
def test_trimp_is_bit_for_bit_the_term_by_term_sum(
    samples: list[tuple[float | None, float]], sex: str
) -> None:
    heart_rates = [hr for hr, _ in samples]
    timestamps = list(itertools.accumulate((step for _, step in samples), initial=0.0))[: len(samples)]
    expected = _trimp_term_by_term(heart_rates, 48.0, 193.0, sex, timestamps)
    assert banister_trimp(heart_rates, 48.0, 193.0, sex, timestamps_s=timestamps) == expected  # type: ignore[arg-type]
