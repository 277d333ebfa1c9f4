"""Readiness: scores from what is there, missing data reported and never invented."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import TrainingInputError
from tools.readiness.science import ReadinessInputs, label_for, score_readiness

HRV_HISTORY = [50.0 * math.exp(0.1 * math.sin(k)) for k in range(60)]
LN = [math.log(v) for v in HRV_HISTORY]
LN_MEAN, LN_SD = statistics.fmean(LN), statistics.stdev(LN)
RHR_HISTORY = [48.0 + (k % 5) for k in range(30)]  # mean 50, SD ≈ 1.44 → floored at 1.5


def hrv_at(z: float) -> float:
    return math.exp(LN_MEAN + z * LN_SD)


def test_nothing_known_is_unknown_with_every_component_missing() -> None:
    result = score_readiness(ReadinessInputs())
    assert result.score is None
    assert result.label == "unknown"
    assert {r.component for r in result.reasons if r.status == "missing"} == {
        "sleep",
        "hrv",
        "resting_hr",
        "load",
    }


def test_a_good_night_is_ready_by_hand() -> None:
    # sleep (85 + 100) / 2 = 92.5; HRV z = 0 → 100; RHR at baseline → 100; load missing.
    # (0.30·92.5 + 0.35·100 + 0.20·100) / 0.85 = 97.35
    result = score_readiness(
        ReadinessInputs(
            sleep_score=85,
            sleep_duration_h=8.5,
            hrv_rmssd_ms=hrv_at(0.0),
            hrv_history_ms=HRV_HISTORY,
            resting_hr=50,
            resting_hr_history=RHR_HISTORY,
        )
    )
    assert result.score == 97
    assert result.label == "ready"
    assert [r.component for r in result.reasons if r.status == "missing"] == ["load"]


def test_a_bad_night_says_rest_and_why_by_hand() -> None:
    # sleep 5 h → 25; HRV z = −2 → 100 − 200/3 = 33.3; RHR +8 bpm, SD 1.5 → z 5.33 → 0; TSB −25 → 55.
    # (0.30·25 + 0.35·33.33 + 0.20·0 + 0.15·55) / 1.0 = 27.42
    result = score_readiness(
        ReadinessInputs(
            sleep_duration_h=5.0,
            hrv_rmssd_ms=hrv_at(-2.0),
            hrv_history_ms=HRV_HISTORY,
            resting_hr=58,
            resting_hr_history=RHR_HISTORY,
            tsb=-25,
        )
    )
    assert result.score == 27
    assert result.label == "rest"
    texts = " ".join(r.text for r in result.reasons)
    assert "5.0 h" in texts
    assert "-2.0 SD" in texts
    assert "58 bpm" in texts
    assert "TSB" in texts


def test_missing_components_do_not_change_the_score_of_the_others() -> None:
    sleep_only = score_readiness(ReadinessInputs(sleep_score=60))
    assert sleep_only.score == 60
    assert [c.component for c in sleep_only.components] == ["sleep"]
    assert {r.component for r in sleep_only.reasons if r.status == "missing"} == {"hrv", "resting_hr", "load"}


def test_a_short_hrv_history_is_reported_not_scored() -> None:
    result = score_readiness(ReadinessInputs(hrv_rmssd_ms=45.0, hrv_history_ms=HRV_HISTORY[:10]))
    assert result.score is None
    (reason,) = [r for r in result.reasons if r.component == "hrv"]
    assert reason.status == "missing"
    assert "only 10" in reason.text


def test_a_low_hrv_week_caps_the_hrv_score() -> None:
    low_week = [*HRV_HISTORY[:-6], *(hrv_at(-1.5) for _ in range(6))]
    one_low_night = score_readiness(ReadinessInputs(hrv_rmssd_ms=hrv_at(-0.3), hrv_history_ms=HRV_HISTORY))
    trend = score_readiness(ReadinessInputs(hrv_rmssd_ms=hrv_at(-0.3), hrv_history_ms=low_week))
    assert one_low_night.score is not None and one_low_night.score > 85
    assert trend.score is not None and trend.score <= 50
    assert any("7-day" in r.text for r in trend.reasons)


def test_high_acwr_costs_points() -> None:
    assert score_readiness(ReadinessInputs(acwr=1.0)).score == 100
    assert score_readiness(ReadinessInputs(acwr=1.5)).score == 60


@pytest.mark.parametrize(
    ("score", "label"), [(100, "ready"), (75, "ready"), (60, "normal"), (40, "take it easy"), (0, "rest")]
)
def test_labels(score: float, label: str) -> None:
    assert label_for(score) == label


@given(st.floats(-4, 2), st.floats(0.01, 2))
def test_lower_hrv_never_raises_the_score(z: float, drop: float) -> None:
    base = ReadinessInputs(sleep_score=70, hrv_rmssd_ms=hrv_at(z), hrv_history_ms=HRV_HISTORY)
    worse = ReadinessInputs(sleep_score=70, hrv_rmssd_ms=hrv_at(z - drop), hrv_history_ms=HRV_HISTORY)
    assert score_readiness(worse).score <= score_readiness(base).score  # type: ignore[operator]


@given(st.floats(40, 80), st.floats(0.5, 20))
def test_higher_resting_hr_never_raises_the_score(rhr: float, rise: float) -> None:
    base = score_readiness(ReadinessInputs(resting_hr=rhr, resting_hr_history=RHR_HISTORY))
    worse = score_readiness(ReadinessInputs(resting_hr=rhr + rise, resting_hr_history=RHR_HISTORY))
    assert base.score is not None and worse.score is not None
    assert worse.score <= base.score
    assert 0 <= worse.score <= 100


def test_impossible_values_are_refused() -> None:
    with pytest.raises(TrainingInputError, match="sleep score"):
        score_readiness(ReadinessInputs(sleep_score=130))
