"""The figures stored at import equal what the estimators compute again from the stored samples (real FIT
files): each activity's figures, the anchors made of them, the zone times of the activity page, the VO2max
steady segments and the feed comment's facts; and stored zone times follow a changed max HR."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity, ActivityFigures, User
from tests.factories import create_user
from tests.support.shared_data import require
from tools.activities.detail import activity_view
from tools.activities.importer import import_fit
from tools.deps import ToolDeps
from tools.feed.facts import activity_facts, stored_activity_facts
from tools.fitness.activity_figures import SERIES_COLUMNS, figures_of, segments
from tools.fitness.best_times import STANDARD_EFFORTS_M, best_times
from tools.fitness.efforts import best_efforts
from tools.samples.series import Span, activity_series
from tools.zones.anchors import LTHR_MIN_S, THRESHOLD_MIN_S, AnchorResolver
from tools.zones.science import (
    estimate_lthr,
    estimate_max_hr,
    estimate_threshold_pace,
    max_hr_zones,
    time_in_zones,
)

FIT = "fit/fitdecode/tests/files"
FILES = (
    "2013-02-06-12-11-14.fit",
    "activity-small-fenix2-run.fit",
    "developer-types-sample.fit",
    "garmin-fenix-5-run.fit",
    "garmin-fenix-5-walk.fit",
    "activity-large-fenxi2-multisport.fit",
)


async def _athlete(db: AsyncSession, **profile: object) -> tuple[User, list[Activity]]:
    user = await create_user(db, **profile)
    ids = []
    for name in FILES:
        result = await import_fit(db, user.id, require(f"{FIT}/{name}").read_bytes(), filename=name)
        assert result.activity_id is not None
        ids.append(result.activity_id)
    activities = list(
        (
            await db.execute(select(Activity).where(Activity.id.in_(ids)).order_by(Activity.start_time))
        ).scalars()
    )
    return user, activities


def _span(a: Activity) -> Span:
    return Span(a.id, a.start_time, a.elapsed_s)


async def test_stored_figures_equal_the_recomputed_ones(db: AsyncSession) -> None:
    user, activities = await _athlete(db)
    for activity in activities:
        stored = await db.get_one(ActivityFigures, activity.id)
        series = (await activity_series(db, user.id, [_span(activity)], SERIES_COLUMNS)).get(activity.id)
        again = figures_of(series, activity.sport)
        assert stored.sample_rows == again.sample_rows == activity.sample_count
        assert stored.hr_samples == again.hr_samples
        assert stored.hr_peak == again.hr_peak
        assert stored.hr_best_20min == again.hr_best_20min
        assert stored.threshold_pace_s_per_km == again.threshold_pace_s_per_km
        assert segments(stored) == again.steady_segments
    assert any(s.hr_peak for s in [await db.get_one(ActivityFigures, a.id) for a in activities])


async def test_anchors_from_figures_equal_the_estimators_over_the_samples(db: AsyncSession) -> None:
    user, activities = await _athlete(db, sex=None)
    # as of the first activity's day, every activity (all within the window, at most 20) is a candidate
    resolver = AnchorResolver(db, user, today=activities[0].start_time.date())
    series = await activity_series(db, user.id, [_span(a) for a in activities], ["heart_rate", "speed_mps"])

    def hr_of(keep: list[Activity]) -> list[list[float | None]]:
        return [series[a.id]["heart_rate"] for a in keep if a.id in series]

    max_hr = await resolver.max_hr()
    want_max = estimate_max_hr(hr_of(activities))
    assert max_hr is not None and want_max is not None and max_hr.source == "estimated"
    assert max_hr.value == round(want_max, 1)
    assert f"in {len(series)} activities" in max_hr.detail

    lthr = await resolver.lthr()
    long_ones = [a for a in activities if (a.elapsed_s or 0) >= LTHR_MIN_S]
    want_lthr = estimate_lthr(hr_of(long_ones))
    assert lthr is not None and want_lthr is not None
    if lthr.source == "estimated":
        assert lthr.value == round(want_lthr, 1)
    else:  # refused as too low: the detail quotes the best 20 minutes the estimator found
        assert f"({want_lthr / 0.95:.0f} bpm)" in lthr.detail

    pace = await resolver.threshold_pace()
    runs = [
        a
        for a in activities
        if a.sport == "running" and (a.moving_s or a.elapsed_s or 0) >= THRESHOLD_MIN_S and a.id in series
    ]
    want_pace = estimate_threshold_pace([series[a.id]["speed_mps"] for a in runs])
    assert (pace.value if pace else None) == (round(want_pace, 1) if want_pace is not None else None)


async def test_zone_times_are_stored_and_follow_a_new_max_hr(db: AsyncSession) -> None:
    user, activities = await _athlete(db, max_hr=190)
    run = next(a for a in activities if a.sport == "running" and a.avg_hr)
    series = (await activity_series(db, user.id, [_span(run)], ["heart_rate"]))[run.id]
    deps = ToolDeps.for_user(db, user, now=run.start_time + timedelta(days=1))

    for max_hr in (190, 172):
        user.max_hr = max_hr
        view = await activity_view(deps, run.id)
        want = time_in_zones(series.t, series["heart_rate"], max_hr_zones(max_hr))
        assert view.hr_zones is not None and view.hr_zones.max_hr == max_hr
        assert [z.seconds for z in view.hr_zones.zones] == [round(s) for s in want]
        stored = await db.get_one(ActivityFigures, run.id)
        assert stored.zone_max_hr == max_hr and stored.zone_seconds == pytest.approx(want)
        assert (await activity_view(deps, run.id)).hr_zones == view.hr_zones  # from storage


async def test_feed_facts_stored_at_import_equal_fresh_ones(db: AsyncSession) -> None:
    user, activities = await _athlete(db, max_hr=188)
    for activity in activities:
        stored = await db.get_one(ActivityFigures, activity.id)
        assert stored.comment_facts is not None  # written at import
        fresh = await activity_facts(db, user, activity)
        assert await stored_activity_facts(db, user, activity) == fresh
        assert stored.comment_facts["facts"] == asdict(fresh) | {
            k: list(v) for k, v in asdict(fresh).items() if isinstance(v, tuple)
        }
    user.max_hr = 175  # the zone sentence depends on it: the stored facts no longer hold, fresh ones are used
    activity = next(a for a in activities if a.avg_hr)
    assert await stored_activity_facts(db, user, activity) == await activity_facts(db, user, activity)


async def test_best_efforts_from_figures_equal_the_series_path(db: AsyncSession) -> None:
    user, _ = await _athlete(db)
    every = select(Activity).where(Activity.user_id == user.id, Activity.sport == "running")
    runs = list((await db.execute(every)).scalars())  # multisport running legs count too
    first = min(a.start_time for a in runs).date() - timedelta(days=1)
    last = max(a.start_time for a in runs).date() + timedelta(days=1)
    stored = await best_efforts(db, user.id, ZoneInfo("UTC"), first, last)
    series = await activity_series(db, user.id, [_span(a) for a in runs], ["distance_m"])
    want: dict[float, float] = {}
    for s in series.values():
        for distance, elapsed in best_times(s.t, s["distance_m"], STANDARD_EFFORTS_M).items():
            want[distance] = min(elapsed, want.get(distance, elapsed))
    assert stored and {e.distance_m: e.time_s for e in stored} == want
