"""RunCoach's computed comment (pure): each sentence is a figure of the activity or a comparison with the
athlete's own earlier activities, recomputed here from the inputs, never copied from the output."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from tools.feed.comment import (
    EVEN_SPLIT,
    MILE_M,
    ActivityFacts,
    History,
    Prior,
    compose,
    half_splits,
)
from tools.statistics import MAX_GAP_S
from tools.units import clock


def _steady(seconds: int, speeds: list[float]) -> tuple[list[float], list[float | None]]:
    """One sample a second; the speed of second i is speeds[i * len(speeds) // seconds]."""
    t: list[float] = []
    d: list[float | None] = []
    distance = 0.0
    for i in range(seconds + 1):
        t.append(float(i))
        d.append(distance)
        distance += speeds[i * len(speeds) // (seconds + 1)]
    return t, d


def test_halves_of_a_steady_run_are_equal() -> None:
    t, d = _steady(1000, [3.0])
    assert half_splits(t, d) == (500.0, 500.0)


def test_halves_follow_the_distance_not_the_clock() -> None:
    # about 600 s at 2.5 m/s, then 3.0 m/s: the same time, but the slow part covers less distance
    t, d = _steady(1200, [2.5, 3.0])
    total = d[-1]
    assert total is not None
    half = total / 2
    slow_s = sum(1 for i in range(1201) if i * 2 // 1201 == 0)
    slow_m = 2.5 * slow_s
    expected_first = half / 2.5 if half <= slow_m else slow_s + (half - slow_m) / 3.0
    first, second = half_splits(t, d) or (0.0, 0.0)
    assert abs(first - expected_first) <= 1.0
    assert abs(first + second - 1200) <= 0.2
    assert second < first


def test_a_pause_counts_at_most_the_gap_cap() -> None:
    t, d = _steady(1000, [3.0])
    # stand still for 300 s at the 100th second (the clock jumps, the distance does not)
    paused_t = t[:101] + [x + 300 for x in t[101:]]
    first, second = half_splits(paused_t, d) or (0.0, 0.0)
    assert abs(first - (500 - 1 + MAX_GAP_S)) <= 0.01
    assert second == 500.0


def test_too_short_or_no_distance_has_no_halves() -> None:
    assert half_splits([0.0, 1.0, 2.0], [None, None, None]) is None
    t, d = _steady(100, [3.0])  # 300 m
    assert half_splits(t, d) is None


@given(st.lists(st.floats(min_value=0.5, max_value=8.0), min_size=1, max_size=6), st.integers(400, 3000))
def test_halves_add_up_to_the_moving_time(speeds: list[float], seconds: int) -> None:
    t, d = _steady(seconds, speeds)
    halves = half_splits(t, d)
    if (d[-1] or 0) < 1000:
        assert halves is None
        return
    assert halves is not None
    assert abs(sum(halves) - seconds) <= 0.2
    assert all(h > 0 for h in halves)


DISTANCE_M = 12_345.0
DURATION_S = 3_700.0
FACTS = ActivityFacts(
    sport="running",
    distance_m=DISTANCE_M,
    duration_s=DURATION_S,
    avg_hr=151.4,
    training_load=88.6,
    load_method="trimp",
    halves_s=(1_900.0, 1_800.0),
    top_zone=("Z3", 0.6),
    zone_max_hr=188.0,
    zone_anchor="profile",
)


def test_every_sentence_comes_from_the_numbers() -> None:
    priors = [Prior(10_000.0, 3_200.0), Prior(8_000.0, 2_600.0), Prior(5_000.0, 1_600.0)]
    comment = compose(FACTS, History(same_sport=priors, loads_before=[40.0, 70.0]))
    by_key = {f.key: f for f in comment.facts}
    assert list(by_key) == ["summary", "longest", "pace_vs_recent", "halves", "zones", "load"]
    pace = DURATION_S / (DISTANCE_M / 1000)
    assert by_key["summary"].text == (
        f"{DISTANCE_M / 1000:.2f} km in {clock(3700)} ({clock(pace)} /km), average heart rate 151 bpm."
    )
    assert f"{max(p.distance_m or 0 for p in priors) / 1000:.2f} km" in by_key["longest"].text
    average = sum(p.duration_s or 0 for p in priors) / (sum(p.distance_m or 0 for p in priors) / 1000)
    assert by_key["pace_vs_recent"].value == round(pace - average, 1)
    assert by_key["pace_vs_recent"].text.startswith(f"{round(abs(pace - average))} s/km ")
    assert ("faster" in by_key["pace_vs_recent"].text) == (pace < average)
    assert by_key["halves"].text.startswith("Negative split")
    assert clock(100) in by_key["halves"].text
    assert "Most of the time in Z3 (60% of it)" in by_key["zones"].text
    assert "188 bpm, profile" in by_key["zones"].text
    assert by_key["load"].text == "Training load 89 (trimp), the highest of the last 7 days."
    assert comment.text == " ".join(f.text for f in comment.facts)


def test_sentences_without_their_data_are_left_out() -> None:
    bare = ActivityFacts(sport="running", distance_m=5_000.0, duration_s=1_500.0)
    comment = compose(bare, History())
    assert [f.key for f in comment.facts] == ["summary"]
    assert "heart rate" not in comment.text
    # one earlier run is not an average; a lower load than before is not "the highest"
    one = compose(
        ActivityFacts(sport="running", distance_m=4_000.0, duration_s=1_300.0, training_load=30.0),
        History(same_sport=[Prior(6_000.0, 1_800.0)], loads_before=[45.0]),
    )
    assert [f.key for f in one.facts] == ["summary", "load"]
    assert one.facts[-1].text == "Training load 30."


def test_even_and_slower_halves_are_named_as_such() -> None:
    even = compose(
        ActivityFacts(
            sport="running",
            distance_m=10_000,
            duration_s=3_000,
            halves_s=(1_500, 1_500 * (1 + EVEN_SPLIT / 2)),
        ),
        History(),
    )
    assert even.facts[-1].text.startswith("Even halves")
    slower = compose(
        ActivityFacts(sport="running", distance_m=10_000, duration_s=3_000, halves_s=(1_400, 1_600)),
        History(),
    )
    assert (
        slower.facts[-1].text
        == f"The second half took {clock(200)} longer ({clock(1400)}, then {clock(1600)})."
    )


def test_imperial_athletes_read_miles() -> None:
    comment = compose(FACTS, History(same_sport=[Prior(5_000, 1_500), Prior(6_000, 1_700)]), "imperial")
    assert comment.facts[0].text.startswith(f"{DISTANCE_M / MILE_M:.2f} mi in ")
    assert re.search(r"\d+:\d\d /mi", comment.text)
    assert " s/mi " in comment.text


def test_other_sports_get_no_pace_or_splits() -> None:
    ride = ActivityFacts(sport="cycling", distance_m=40_000, duration_s=4_800, halves_s=(2_000, 2_800))
    comment = compose(ride, History(same_sport=[Prior(30_000, 3_600)]))
    assert comment.facts[0].text == f"40.00 km in {clock(4800)} of cycling."
    assert [f.key for f in comment.facts] == ["summary", "longest"]
    assert "longest ride in 4 weeks" in comment.facts[1].text
