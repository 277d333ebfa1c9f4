"""VDOT against the published Daniels tables, and the model's invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import TrainingInputError
from tools.fitness.race_times import predict_races, riegel_time
from tools.fitness.vdot import (
    HALF_MARATHON_M,
    MARATHON_M,
    equivalent_race_time,
    race_time_for_vdot,
    training_paces,
    vdot_from_race,
)


def hms(text: str) -> float:
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


# Daniels' Running Formula, table of race times per VDOT (rows 30–70; 5K, 10K, half, marathon).
DANIELS_TABLE = {
    30: ("30:40", "63:46", "2:21:04", "4:49:17"),
    40: ("24:08", "50:03", "1:50:59", "3:49:45"),
    50: ("19:57", "41:21", "1:31:35", "3:10:49"),
    60: ("17:03", "35:22", "1:18:09", "2:43:25"),
    70: ("14:55", "31:00", "1:08:21", "2:22:53"),
}
DISTANCES = (5_000.0, 10_000.0, HALF_MARATHON_M, MARATHON_M)
TABLE_ROWS = [
    pytest.param(vdot, distance, hms(time), id=f"vdot{vdot}-{distance:g}m")
    for vdot, times in DANIELS_TABLE.items()
    for distance, time in zip(DISTANCES, times, strict=True)
]


@pytest.mark.parametrize(("vdot", "distance", "time_s"), TABLE_ROWS)
def test_vdot_of_a_table_performance_is_the_table_vdot(vdot: int, distance: float, time_s: float) -> None:
    assert vdot_from_race(distance, time_s) == pytest.approx(vdot, rel=0.01)


@pytest.mark.parametrize(("vdot", "distance", "time_s"), TABLE_ROWS)
def test_race_time_for_a_table_vdot_is_the_table_time(vdot: int, distance: float, time_s: float) -> None:
    assert race_time_for_vdot(vdot, distance) == pytest.approx(time_s, rel=0.01)


@pytest.mark.parametrize("vdot", sorted(DANIELS_TABLE))
def test_equivalent_times_between_table_columns(vdot: int) -> None:
    five_k = hms(DANIELS_TABLE[vdot][0])
    for distance, expected in zip(DISTANCES[1:], DANIELS_TABLE[vdot][1:], strict=True):
        assert equivalent_race_time(5_000.0, five_k, distance) == pytest.approx(hms(expected), rel=0.01)


def test_issue_example_5k_in_1197_s_is_vdot_50_with_equivalent_times() -> None:
    prediction = predict_races(5_000.0, 1197.0)
    assert prediction.vdot == pytest.approx(50.0, abs=0.5)
    by_distance = {p.distance_m: p for p in prediction.predictions}
    for distance, expected in zip(DISTANCES[1:], DANIELS_TABLE[50][1:], strict=True):
        assert by_distance[distance].daniels_s == pytest.approx(hms(expected), rel=0.01)
    # Riegel: T2 = 1197 · 2^1.06 for 10K (2^1.06 = 2.08496…, worked by hand).
    assert by_distance[10_000.0].riegel_s == pytest.approx(1197.0 * 2.08496, rel=1e-4)


# Daniels' training-pace table (s/km), ±2 %. VDOT 49 comes from a reader quoting the book
# (T 4:20/km, I 3:59/km, R 1:29 per 400 m); VDOT 50 E range 4:51–5:27 from the brief.
@pytest.mark.parametrize(
    ("vdot", "field", "expected"),
    [
        (50, "marathon_s_per_km", hms("4:31")),
        (50, "threshold_s_per_km", hms("4:15")),
        (50, "interval_s_per_km", hms("3:55")),
        (50, "repetition_s_per_km", 88 / 0.4),
        (50, "easy_fast_s_per_km", hms("4:51")),
        (50, "easy_slow_s_per_km", hms("5:27")),
        (49, "threshold_s_per_km", hms("4:20")),
        (49, "interval_s_per_km", hms("3:59")),
        (49, "repetition_s_per_km", 89 / 0.4),
        (40, "threshold_s_per_km", hms("5:06")),
        (40, "interval_s_per_km", hms("4:42")),
        (40, "marathon_s_per_km", hms("3:49:45") / 42.195),
        (60, "threshold_s_per_km", hms("3:40")),
        (60, "interval_s_per_km", 81 / 0.4),
        (30, "interval_s_per_km", hms("2:22") / 0.4),
    ],
)
def test_training_paces_match_the_table(vdot: int, field: str, expected: float) -> None:
    assert getattr(training_paces(vdot), field) == pytest.approx(expected, rel=0.02)


@given(st.floats(30, 80))
def test_training_paces_are_ordered_from_easy_to_repetition(vdot: float) -> None:
    p = training_paces(vdot)
    assert (
        p.easy_slow_s_per_km
        > p.easy_fast_s_per_km
        > p.marathon_s_per_km
        > p.threshold_s_per_km
        > p.interval_s_per_km
        > p.repetition_s_per_km
    )


distances = st.floats(1_500.0, 42_195.0)
paces = st.floats(180.0, 600.0)  # 3:00–10:00 per km: VDOT ≈ 15–85 over 1500 m–marathon


@given(distances, paces, st.floats(1.001, 1.3))
def test_vdot_falls_as_the_time_grows(distance: float, pace: float, slower: float) -> None:
    time_s = distance / 1000.0 * pace
    assert vdot_from_race(distance, time_s * slower) < vdot_from_race(distance, time_s)


@given(distances, paces)
def test_equivalent_time_over_the_same_distance_round_trips(distance: float, pace: float) -> None:
    time_s = distance / 1000.0 * pace
    assert equivalent_race_time(distance, time_s, distance) == pytest.approx(time_s, abs=0.01)


@given(distances, paces, distances)
def test_equivalent_time_keeps_the_vdot(distance: float, pace: float, target: float) -> None:
    time_s = distance / 1000.0 * pace
    vdot = vdot_from_race(distance, time_s)
    assert vdot_from_race(target, equivalent_race_time(distance, time_s, target)) == pytest.approx(
        vdot, rel=1e-6
    )


@given(st.floats(1_500.0, 21_000.0), paces, st.floats(1.05, 2.0))
def test_longer_races_take_longer_at_a_slower_pace(distance: float, pace: float, factor: float) -> None:
    time_s = distance / 1000.0 * pace
    longer = equivalent_race_time(distance, time_s, distance * factor)
    assert longer > time_s
    assert longer / (distance * factor) > time_s / distance


def test_riegel_exponent_one_is_even_pace() -> None:
    assert riegel_time(5_000.0, 1_200.0, 10_000.0, exponent=1.0) == pytest.approx(2_400.0)


@pytest.mark.parametrize(
    ("distance", "time_s"),
    [(0.0, 1200.0), (5000.0, 0.0), (-1.0, 10.0), (5000.0, float("nan")), (5000.0, 5000.0 * 60)],
)
def test_impossible_races_are_refused(distance: float, time_s: float) -> None:
    with pytest.raises(TrainingInputError):
        vdot_from_race(distance, time_s)


def test_vdot_out_of_range_is_refused_with_the_range() -> None:
    with pytest.raises(TrainingInputError, match="between"):
        training_paces(150.0)
