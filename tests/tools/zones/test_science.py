"""Heart-rate and pace zones, and the estimators that anchor them."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import TrainingInputError
from tools.zones.science import (
    HeartRateZone,
    PaceZone,
    estimate_lthr,
    estimate_max_hr,
    estimate_threshold_pace,
    heart_rate_reserve_zones,
    lthr_zones,
    max_hr_zones,
    pace_zones,
    threshold_pace_from_efforts,
    vdot_pace_zones,
)


def test_percent_of_max_zones_by_hand() -> None:
    zones = max_hr_zones(200)
    bounds = [bound for z in zones for bound in (z.low_bpm, z.high_bpm)]
    assert bounds == pytest.approx([100, 120, 120, 140, 140, 160, 160, 180, 180, 200])


def test_karvonen_zone_bounds_by_hand() -> None:
    # 190 max, 50 resting: reserve 140; 70 % → 50 + 98 = 148 bpm.
    zones = heart_rate_reserve_zones(190, 50)
    assert zones[0].low_bpm == pytest.approx(120.0)
    assert zones[2].low_bpm == pytest.approx(148.0)
    assert zones[-1].high_bpm == pytest.approx(190.0)


def test_friel_lthr_zones_by_hand() -> None:
    zones = {z.name: z for z in lthr_zones(170)}
    assert zones["Z1"].low_bpm is None
    assert zones["Z1"].high_bpm == pytest.approx(144.5)  # 85 %
    assert (zones["Z4"].low_bpm, zones["Z4"].high_bpm) == pytest.approx((161.5, 170.0))
    assert zones["Z5c"].low_bpm == pytest.approx(180.2)  # 106 %
    assert zones["Z5c"].high_bpm is None


def test_friel_pace_zones_by_hand() -> None:
    zones = {z.name: z for z in pace_zones(300.0)}  # 5:00/km threshold
    assert zones["Z1"].slowest_s_per_km is None
    assert zones["Z1"].fastest_s_per_km == pytest.approx(387.0)  # 129 %
    assert (zones["Z5a"].slowest_s_per_km, zones["Z5a"].fastest_s_per_km) == pytest.approx((303.0, 291.0))
    assert zones["Z5c"].fastest_s_per_km is None


def test_vdot_pace_zones_anchor_on_daniels_t_pace() -> None:
    # VDOT 50: T pace 4:15/km in Daniels' table; threshold sits at the Z4/Z5a boundary (101 %).
    zones = {z.name: z for z in vdot_pace_zones(50)}
    assert zones["Z5a"].slowest_s_per_km == pytest.approx(255.0 * 1.01, rel=0.02)


def assert_hr_contiguous(zones: list[HeartRateZone]) -> None:
    for zone in zones:
        if zone.low_bpm is not None and zone.high_bpm is not None:
            assert zone.low_bpm < zone.high_bpm
    for lower, upper in itertools.pairwise(zones):
        assert lower.high_bpm == upper.low_bpm


def assert_pace_contiguous(zones: list[PaceZone]) -> None:
    for zone in zones:
        if zone.slowest_s_per_km is not None and zone.fastest_s_per_km is not None:
            assert zone.slowest_s_per_km > zone.fastest_s_per_km
    for slower, faster in itertools.pairwise(zones):
        assert slower.fastest_s_per_km == faster.slowest_s_per_km


@given(st.floats(150, 220), st.floats(35, 80))
def test_heart_rate_zones_are_contiguous_and_increasing(max_hr: float, resting: float) -> None:
    assert_hr_contiguous(max_hr_zones(max_hr))
    assert_hr_contiguous(heart_rate_reserve_zones(max_hr, resting))
    assert_hr_contiguous(lthr_zones(max_hr * 0.9))


@given(st.floats(150, 600))
def test_pace_zones_are_contiguous_and_get_faster(threshold: float) -> None:
    assert_pace_contiguous(pace_zones(threshold))


@given(st.floats(30, 85))
def test_vdot_pace_zones_are_contiguous(vdot: float) -> None:
    assert_pace_contiguous(vdot_pace_zones(vdot))


def test_resting_above_max_is_refused() -> None:
    with pytest.raises(TrainingInputError, match="below max"):
        heart_rate_reserve_zones(150, 160)


def test_unordered_custom_bounds_are_refused() -> None:
    with pytest.raises(TrainingInputError):
        max_hr_zones(190, bounds=(0.5, 0.7, 0.6))


def run(warmup: float, effort: float, seconds: int) -> list[float | None]:
    """Ten minutes of warm-up HR, then `seconds` at the effort HR."""
    return [warmup] * 600 + [effort] * seconds


def test_max_hr_ignores_short_spikes_and_dropouts() -> None:
    activity = run(130, 184, 60)
    activity[620] = 221.0  # a one-second strap spike
    activity[640:642] = [216.0, 217.0]  # a two-second one
    activity[650] = None
    activity[651] = 0.0
    assert estimate_max_hr([activity]) == pytest.approx(184.0)


def test_max_hr_is_not_set_by_one_stuck_sensor_among_many_runs() -> None:
    normal = [run(130, peak, 60) for peak in (176, 178, 179, 180, 181, 182, 183, 184, 185)]
    stuck = [[205.0] * 1800]
    estimate = estimate_max_hr([*normal, *stuck])
    assert estimate is not None
    assert 184.0 <= estimate < 188.0


def test_max_hr_without_data_is_none() -> None:
    assert estimate_max_hr([]) is None
    assert estimate_max_hr([[None, None]]) is None


def test_lthr_is_the_best_20_minutes_times_the_factor() -> None:
    activity = run(130, 170, 30 * 60)
    assert estimate_lthr([activity]) == pytest.approx(170 * 0.95)
    assert estimate_lthr([activity], factor=1.0) == pytest.approx(170.0)


def test_lthr_needs_an_activity_as_long_as_the_window() -> None:
    assert estimate_lthr([[170.0] * (19 * 60)]) is None


def test_threshold_pace_from_a_10k_race_is_the_table_t_pace() -> None:
    # 10K in 41:21 is VDOT 50; Daniels' T pace for VDOT 50 is 4:15/km.
    assert threshold_pace_from_efforts([(10_000.0, 2481.0), (5_000.0, 1500.0)]) == pytest.approx(
        255.0, rel=0.02
    )


def test_threshold_pace_from_the_best_window_of_speed_samples() -> None:
    race_speed = 10_000.0 / 2481.0
    activity: list[float | None] = [2.5] * 900 + [race_speed] * 2481 + [None] * 10 + [2.0] * 600
    easy = [3.0] * 4000
    assert estimate_threshold_pace([easy, activity], window_s=2481) == pytest.approx(255.0, rel=0.02)


def test_threshold_pace_from_walking_is_none() -> None:
    assert estimate_threshold_pace([[1.2] * 3600]) is None
    assert estimate_threshold_pace([[3.0] * 60]) is None
