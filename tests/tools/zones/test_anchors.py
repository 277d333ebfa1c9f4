"""The anchors' estimates from gathered figures (pure), and the memo a caller that gathers its own data
shares with `AnchorResolver` (`recall` / `remember`): the activity page relies on both."""

from __future__ import annotations

from datetime import date

from core.models import ActivityFigures, User
from tools.zones import anchors
from tools.zones.anchors import (
    Anchor,
    AnchorResolver,
    lthr_estimate,
    max_hr_estimate,
    resting_hr_estimate,
    threshold_pace_estimate,
)

TODAY = date(2026, 6, 1)


def _figures(
    peak: float | None = None, best_20: float | None = None, t_pace: float | None = None
) -> ActivityFigures:
    return ActivityFigures(
        sample_rows=3600, hr_peak=peak, hr_best_20min=best_20, threshold_pace_s_per_km=t_pace
    )


def _user(user_id: int, **profile: object) -> User:
    return User(id=user_id, email=f"anchors-{user_id}@example.com", **profile)


def test_max_hr_is_the_90th_percentile_of_peaks_else_the_age_formula() -> None:
    figures = [_figures(peak=float(p)) for p in range(171, 191)]  # 171 … 190
    found = max_hr_estimate(figures, _user(1), TODAY)
    assert found is not None and found.source == "estimated" and 188.0 <= found.value <= 189.0
    assert "20 activities" in found.detail
    born = _user(1, birth_date=date(1986, 6, 1))  # 40 years
    implausible = [_figures(peak=300.0)]
    assumed = max_hr_estimate(implausible, born, TODAY)
    assert assumed is not None and (assumed.source, assumed.value) == ("assumed", 180.0)
    assert max_hr_estimate([], _user(1), TODAY) is None


def test_lthr_resting_and_threshold_pace_from_figures() -> None:
    max_hr = Anchor(value=190.0, source="profile", detail="")
    resting = resting_hr_estimate([50.0, 52.0, 48.0])
    assert (resting.value, resting.source) == (50.0, "estimated")
    assert resting_hr_estimate([50.0, 52.0]).source == "assumed"
    threshold = lthr_estimate([_figures(best_20=180.0), _figures(best_20=170.0)], max_hr, resting)
    assert (threshold.value, threshold.source) == (171.0, "estimated")
    easy = lthr_estimate([_figures(best_20=140.0)], max_hr, resting)  # below resting + 80 % of reserve
    assert (easy.value, easy.source) == (169.0, "assumed") and "look like training" in easy.detail
    pace = threshold_pace_estimate([_figures(t_pace=250.0), _figures(t_pace=240.0), _figures()])
    assert pace is not None and pace.value == 240.0
    assert threshold_pace_estimate([_figures()]) is None


def test_recall_prefers_the_profile_and_a_shared_memo_keeps_only_found_estimates() -> None:
    anchors._shared.clear()
    user = _user(9_001)
    resolver = AnchorResolver(None, user, today=TODAY, shared=True)  # type: ignore[arg-type]
    assert resolver.recall("max_hr") == (False, None)
    assert resolver.remember("max_hr", None) is None
    assert resolver.recall("max_hr") == (False, None), "no data yet is looked up again"
    found = Anchor(value=185.0, source="estimated", detail="")
    assert resolver.remember("max_hr", found) is found
    other = AnchorResolver(None, user, today=TODAY, shared=True)  # type: ignore[arg-type]
    assert other.recall("max_hr") == (True, found), "shared by the resolvers of the user and day"
    user.max_hr = 192
    known, anchor = other.recall("max_hr")
    assert known and anchor is not None and (anchor.value, anchor.source) == (192.0, "profile")

    alone = AnchorResolver(None, _user(9_002), today=TODAY)  # type: ignore[arg-type]
    alone.remember("lthr", None)
    assert alone.recall("lthr") == (True, None), "a resolver's own memo keeps 'none' for the call"
    anchors._shared.clear()
