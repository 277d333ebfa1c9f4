"""Rolling statistics and percentiles over plain sequences."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import TrainingInputError
from tools.statistics import best_rolling_mean, percentile, rolling_means, rolling_medians


def test_percentile_interpolates_linearly_like_numpy() -> None:
    # numpy.percentile's default ("linear"): position (n − 1)·q/100 between order statistics.
    assert percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert percentile(list(range(1, 11)), 90) == pytest.approx(9.1)
    assert percentile([7], 99) == 7


def test_percentile_of_nothing_is_refused() -> None:
    with pytest.raises(TrainingInputError):
        percentile([], 50)


def test_rolling_means_and_best_window_by_hand() -> None:
    assert rolling_means([1, 2, 3, 4, 5], 2) == pytest.approx([1.5, 2.5, 3.5, 4.5])
    assert best_rolling_mean([5, 1, 1, 4, 4], 2) == pytest.approx(4.0)
    assert best_rolling_mean([1, 2], 3) is None


def test_rolling_median_removes_a_two_sample_spike() -> None:
    assert rolling_medians([150, 150, 150, 220, 221, 150, 150, 150], 5) == [150] * 8


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=200), st.integers(1, 50))
def test_rolling_means_stay_within_the_window_range(values: list[float], window: int) -> None:
    for k, mean in enumerate(rolling_means(values, window)):
        chunk = values[k : k + window]
        assert min(chunk) - 1e-6 <= mean <= max(chunk) + 1e-6
