"""The grounding check, unit for unit: a figure with a unit is grounded only by evidence of the same kind, in
that kind's conversions; invented figures are flagged and marked inside the answer."""

from __future__ import annotations

import random

from agent.grounding import UNVERIFIED, mark_figures, ungrounded_figures

RUN = {
    "id": 41,
    "distance_m": 9008.4,
    "moving_s": 2832.0,
    "avg_hr": 154,
    "max_hr": 171,
    "avg_speed_mps": 3.1807,
    "ascent_m": 38.0,
    "training_load": 146.2,
    "laps": [{"index": 0, "distance_m": 1000.0, "avg_hr": 149}],
}
LOAD = {
    "ctl": 48.17,
    "atl": 61.3,
    "tsb": -9.4,
    "weekly": [{"week": "2026-11-16", "run_km": 15.76, "load": 212}],
}


def test_each_kind_of_figure_is_grounded_by_its_own_kind_of_field() -> None:
    answer = (
        "Your last run: 9.01 km (5.6 mi) in 47:12, 5:14 /km, average 154 bpm (max 171 bpm), 38 m climbing. "
        "Fitness (CTL) 48.2, form -9.4, 15.8 km this week."
    )
    assert ungrounded_figures(answer, [RUN, LOAD]) == []


def test_a_number_of_another_kind_does_not_ground_a_figure() -> None:
    # 146 is the run's training load, 212 a weekly load, 48 a CTL: none of them is a heart rate or a distance
    answer = "You averaged 146 bpm; the week was 212 km; CTL should reach 55, at 146 bpm over 21.3 km."
    assert ungrounded_figures(answer, [RUN, LOAD]) == ["146 bpm", "212 km", "55", "21.3 km"]


def test_speeds_ground_paces_in_both_units_and_text_evidence_counts() -> None:
    assert ungrounded_figures("5:14 per km, 8:26 per mile", [{"avg_speed_mps": 3.1807}]) == []
    knowledge = "A marathon is 42.2 km; tempo runs are 20 to 40 min at about 85 % of max HR."
    assert ungrounded_figures("The marathon is 42.2 km; do 20 min at 85 %.", [knowledge]) == []
    assert ungrounded_figures("The marathon is 42.2 km.", ["tempo runs are 42.2 min"]) == ["42.2 km"]


def test_zone_bounds_are_heart_rates_by_the_field_that_holds_them() -> None:
    zones = {"heart_rate": {"max_hr": [{"name": "Z2", "low_bpm": 124, "high_bpm": 143}]}}
    assert ungrounded_figures("Zone 2 is 124–143 bpm.", [zones]) == []
    assert ungrounded_figures("Zone 2 is 124–150 bpm.", [zones]) == ["150 bpm"]


def test_invented_heart_rates_are_flagged() -> None:
    rng = random.Random(7)
    evidence = [RUN, LOAD]
    heart_rates = {154, 171, 149}
    invented = [v for v in (rng.randint(100, 199) for _ in range(400)) if v not in heart_rates][:200]
    flagged = sum(bool(ungrounded_figures(f"Your average was {v} bpm.", evidence)) for v in invented)
    assert flagged == 200  # before the check was unit-aware, 159 of 200 such figures passed


def test_ungrounded_figures_are_marked_inside_the_answer() -> None:
    answer = "You ran 9.01 km at 162 bpm; 162 bpm is high."
    flagged = ungrounded_figures(answer, [RUN])
    assert flagged == ["162 bpm"]
    assert (
        mark_figures(answer, flagged)
        == f"You ran 9.01 km at 162 bpm {UNVERIFIED}; 162 bpm {UNVERIFIED} is high."
    )
    assert mark_figures("You ran 9.01 km.", []) == "You ran 9.01 km."
