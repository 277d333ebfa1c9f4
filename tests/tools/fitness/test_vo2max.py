"""Effective VO2max (pure): exact on data generated from the model; the guards that keep bad blocks out."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tools.fitness.vdot import oxygen_cost
from tools.fitness.vo2max import (
    MIN_STEADY_S,
    WARMUP_S,
    Segment,
    estimate_run_vo2max,
    heart_rate_for,
    steady_segments,
    vo2max_from_effort,
    vo2max_trend,
)


def steady_run(
    seconds: int, speed: float, heart_rate: float, *, step: float = 1.0
) -> tuple[list[float], list[float | None], list[float | None]]:
    n = int(seconds / step)
    return [i * step for i in range(n)], [speed] * n, [heart_rate] * n


@given(
    vo2max=st.floats(30.0, 80.0),
    speed=st.floats(2.2, 5.5),
    max_hr=st.floats(165.0, 205.0),
    resting=st.one_of(st.none(), st.floats(38.0, 70.0)),
)
def test_a_run_generated_from_the_model_gives_back_its_vo2max(
    vo2max: float, speed: float, max_hr: float, resting: float | None
) -> None:
    heart_rate = heart_rate_for(speed, vo2max, max_hr, resting)
    assume(vo2max_from_effort(speed, heart_rate, max_hr, resting) is not None)
    t, v, hr = steady_run(1800, speed, heart_rate)
    estimate = estimate_run_vo2max(steady_segments(t, v, hr), max_hr, resting)
    assert estimate is not None
    assert estimate.vo2max == pytest.approx(vo2max, rel=1e-9)
    assert estimate.method == ("hrr" if resting is not None else "hrmax")
    assert estimate.steady_s == pytest.approx(1800 - WARMUP_S, abs=SEGMENT_TOLERANCE)


SEGMENT_TOLERANCE = 120.0  # the last, partial block is not counted


@given(speed=st.floats(2.5, 5.0), faster=st.floats(0.05, 1.0), heart_rate=st.floats(135.0, 175.0))
def test_faster_at_the_same_heart_rate_is_fitter(speed: float, faster: float, heart_rate: float) -> None:
    slow = vo2max_from_effort(speed, heart_rate, 190.0, 50.0)
    fast = vo2max_from_effort(speed + faster, heart_rate, 190.0, 50.0)
    assert slow is not None and fast is not None and fast > slow


def test_daniels_cost_at_a_known_pace_and_hrr() -> None:
    # 5:00/km = 200 m/min → VO2 = 39.06; at 70 % of the reserve: 3.5 + 35.56 / 0.7 = 54.3
    assert oxygen_cost(200.0) == pytest.approx(-4.60 + 0.182258 * 200 + 0.000104 * 200**2)
    value = vo2max_from_effort(200.0 / 60.0, 50.0 + 0.7 * 140.0, 190.0, 50.0)
    assert value == pytest.approx(3.5 + (oxygen_cost(200.0) - 3.5) / 0.7)


def test_easy_walking_and_near_max_blocks_are_not_used() -> None:
    assert vo2max_from_effort(3.0, 50.0 + 0.3 * 140.0, 190.0, 50.0) is None  # 30 % of the reserve
    assert vo2max_from_effort(5.0, 189.0, 190.0, 50.0) is None  # HR plateaus near max
    t, v, hr = steady_run(1800, 1.2, 100.0)  # walking pace
    assert steady_segments(t, v, hr) == []


def test_intervals_hills_and_short_runs_give_no_estimate() -> None:
    t = [float(i) for i in range(3600)]
    intervals = [4.5 if (i // 90) % 2 else 2.8 for i in range(3600)]  # 90 s on, 90 s off
    assert steady_segments(t, intervals, [160.0] * 3600) == []
    _, v, hr = steady_run(3600, 3.5, 150.0)
    assert steady_segments(t, v, hr, [0.05] * 3600) == []  # a steady climb
    assert len(steady_segments(t, v, hr, [0.0] * 3600)) > 0
    short_t, short_v, short_hr = steady_run(int(WARMUP_S + MIN_STEADY_S - 60), 3.5, 150.0)
    assert estimate_run_vo2max(steady_segments(short_t, short_v, short_hr), 190.0, 50.0) is None


def test_heart_rate_settles_before_a_block_counts() -> None:
    """A change of pace: the block right after it is skipped (heart rate still climbing), later ones count."""
    t = [float(i) for i in range(2400)]
    speeds = [3.0 if i < 1200 else 4.0 for i in range(2400)]
    blocks = steady_segments(t, speeds, [150.0] * 2400)
    starts = [b.speed_mps for b in blocks]
    assert 3.0 in starts and 4.0 in starts
    assert len(blocks) == (1200 - 600) // 120 + (1200 // 120) - 1


def test_smart_recording_every_few_seconds_counts_and_long_pauses_do_not() -> None:
    t, v, hr = steady_run(2400, 3.4, 152.0, step=4.0)
    assert estimate_run_vo2max(steady_segments(t, v, hr), 190.0, 50.0) is not None
    paused = [x + (400.0 if x > 900 else 0.0) for x in t]
    blocks = steady_segments(paused, v, hr)
    assert all(b.seconds <= 120.0 for b in blocks)


def test_the_median_ignores_one_odd_block() -> None:
    good = [Segment(120.0, 3.5, heart_rate_for(3.5, 50.0, 190.0, 50.0)) for _ in range(4)]
    odd = Segment(120.0, 3.5, heart_rate_for(3.5, 42.0, 190.0, 50.0))  # a hot, drifting block
    estimate = estimate_run_vo2max([*good, odd], 190.0, 50.0)
    assert estimate is not None and estimate.vo2max == pytest.approx(50.0)
    assert estimate.segments == 5


@given(
    start=st.floats(35.0, 60.0),
    per_day=st.floats(-0.1, 0.1),
    runs=st.integers(3, 40),
    every=st.integers(2, 5),
)
def test_trend_recovers_a_linear_change(start: float, per_day: float, runs: int, every: int) -> None:
    assume((runs - 1) * every >= 14)
    first = date(2026, 1, 1)
    points = [(first + timedelta(days=k * every), start + per_day * k * every) for k in range(runs)]
    trend = vo2max_trend(points)
    assert trend is not None and trend.slope_per_30d is not None
    assert trend.slope_per_30d == pytest.approx(per_day * 30.0, abs=1e-9)
    assert trend.runs == runs and trend.last_day == points[-1][0]
    recent = [v for _, v in points[-5:]]
    assert math.isclose(trend.current, sum(recent) / len(recent), abs_tol=1e-9)  # a line: median = mean


def test_trend_needs_runs_and_days() -> None:
    assert vo2max_trend([]) is None
    two = vo2max_trend([(date(2026, 1, 1), 50.0), (date(2026, 2, 1), 52.0)])
    assert two is not None and two.slope_per_30d is None and two.current == 51.0
    close = vo2max_trend([(date(2026, 1, d), 50.0 + d) for d in (1, 3, 5, 7)])
    assert close is not None and close.slope_per_30d is None
