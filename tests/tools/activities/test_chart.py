"""`downsample` (chart points from per-second samples) and `time_in_zones`, as pure functions: property
tests over arbitrary series."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.activities.chart import downsample
from tools.statistics import MAX_GAP_S
from tools.zones.science import max_hr_zones, time_in_zones, zone_of

hr_values = st.one_of(st.none(), st.integers(min_value=60, max_value=200))


@given(st.lists(hr_values, min_size=1, max_size=400), st.integers(min_value=1, max_value=120))
def test_points_are_bounded_ordered_and_keep_every_sample(hr: list[int | None], max_points: int) -> None:
    n = len(hr)
    t = [float(i) for i in range(n)]
    distance = [3.0 * i for i in range(n)]
    points = downsample(t, {"heart_rate": hr, "distance_m": distance}, max_points)
    assert len(points) == min(n, max_points)
    assert [p.t_s for p in points] == sorted(p.t_s for p in points)
    assert points[-1].distance_m == distance[-1], "the last point reaches the whole distance"
    present = [v for v in hr if v is not None]
    charted = [p.heart_rate for p in points if p.heart_rate is not None]
    if present:
        assert min(present) - 0.05 <= min(charted) and max(charted) <= max(present) + 0.05
    else:
        assert charted == []
    if n <= max_points:  # nothing to reduce: every sample is its own point
        assert [p.heart_rate for p in points] == [None if v is None else float(v) for v in hr]


def test_bucket_means_pace_and_positions() -> None:
    t = [float(i) for i in range(6)]
    columns: dict[str, list[float | None]] = {
        "speed_mps": [4.0, 4.0, 2.0, 2.0, 0.1, 0.1],
        "lat": [1.0, 2.0, None, 4.0, 5.0, 6.0],
        "lon": [1.0, 2.0, None, 4.0, 5.0, 6.0],
    }
    first, second, third = downsample(t, columns, 3)
    assert (first.t_s, first.speed_mps, first.pace_s_per_km) == (0.5, 4.0, 250.0)
    assert (second.lat, second.lon) == (4.0, 4.0), "a recorded position, never an invented one"
    assert third.pace_s_per_km is None, "no pace at a crawl"
    assert downsample([], {}, 10) == []


@given(st.lists(st.tuples(st.floats(0.5, 30.0), hr_values), min_size=2, max_size=200))
def test_time_in_zones_never_exceeds_the_recording(samples: list[tuple[float, int | None]]) -> None:
    t = [0.0]
    for gap, _ in samples[1:]:
        t.append(t[-1] + gap)
    hr = [value for _, value in samples]
    zones = max_hr_zones(190.0)
    seconds = time_in_zones(t, hr, zones)
    capped = math.fsum(min(b - a, MAX_GAP_S) for a, b in itertools.pairwise(t))
    assert all(s >= 0 for s in seconds) and math.fsum(seconds) <= capped + 1e-6
    if all(v is not None and v >= 95 for v in hr[:-1]):  # every sample is in a zone (≥ 50 % of 190)
        assert math.fsum(seconds) == pytest.approx(capped)


@given(
    st.lists(st.tuples(st.floats(0.0, 30.0), st.one_of(hr_values, st.floats(40.0, 230.0))), min_size=2),
    st.floats(120.0, 220.0),
)
def test_time_in_zones_is_each_sample_in_its_zone(
    samples: list[tuple[float, float | None]], max_hr: float
) -> None:
    """Each heart rate's zone is looked up once per value: the same sums as a lookup per sample."""
    t = [0.0]
    for gap, _ in samples[1:]:
        t.append(t[-1] + gap)
    hr = [value for _, value in samples]
    zones = max_hr_zones(max_hr)
    expected = [0.0] * len(zones)
    for i in range(len(t) - 1):
        index = zone_of(float(hr[i]), zones) if hr[i] is not None else None  # type: ignore[arg-type]
        if index is not None:
            expected[index] += min(max(t[i + 1] - t[i], 0.0), MAX_GAP_S)
    assert time_in_zones(t, hr, zones) == expected
