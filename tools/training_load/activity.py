"""Training load of one activity, stored on it (`training_load`, `load_method`), on one scale.

Every load is in TSS-equivalent points — 100 ≈ one hour at threshold — whichever way it was measured, so
CTL/ATL/TSB and the readiness thresholds (TSB −10, …) mean the same thing for every activity:

1. `trimp` — the activity has heart rate on at least half of its samples (and ≥ 60 of them): Banister
   TRIMP (`tools.training_load.stress.banister_trimp`, gaps over 10 s count 10 s) with the athlete's max and
   resting HR and sex weighting, scaled by 100 / TRIMP(60 min at LTHR) — TrainingPeaks' hrTSS idea with
   Banister's weighting. Anchors come from `AnchorResolver` (profile, estimated from data, or assumed).
2. `rtss` — no usable heart rate, a run with speed on at least half of its samples and a threshold pace
   (profile or estimated): rTSS from normalized graded pace (grade from altitude/distance, the same
   centred difference `query_samples` uses) against threshold pace.
3. `duration` — neither: moving (else elapsed) hours × 0.70² × 100, i.e. an easy effort of 49 points an
   hour. A placeholder that keeps rest days and load days apart, labelled as such.

An activity with no duration at all keeps `training_load` NULL. The samples read for the load also give the
activity's stored figures (`activity_figures`), written here.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity, User
from tools.activities.repository import without_load
from tools.deps import user_zone
from tools.fitness.activity_figures import Figures, figures_of, store_figures
from tools.samples.series import Series, Span, activity_series
from tools.statistics import MAX_GAP_S
from tools.training_load.stress import (
    LAST_SAMPLE_S,
    Sex,
    banister_trimp,
    centred_grades,
    normalized_graded_pace,
    rtss,
)
from tools.units import pace
from tools.zones.anchors import AnchorResolver

LoadMethod = Literal["trimp", "rtss", "duration"]

MIN_SAMPLES = 60
MIN_COVERAGE = 0.5
DURATION_INTENSITY = 0.70
REFERENCE_MINUTES = 60
RUNNING_SPORTS = frozenset({"running"})
SERIES_COLUMNS = ("heart_rate", "speed_mps", "altitude_m", "distance_m")
#: `series` not given: read the activity's stored samples
Stored = Literal["stored"]
STORED: Stored = "stored"


@dataclass(frozen=True, slots=True)
class LoadResult:
    load: float
    method: LoadMethod
    detail: str


@functools.lru_cache(maxsize=256)
def _reference_trimp(threshold_hr: float, resting_hr: float, max_hr: float, sex: Sex) -> float:
    """TRIMP of REFERENCE_MINUTES at `threshold_hr` (the same for every activity of one athlete's anchors:
    computed once, not per import)."""
    return banister_trimp([threshold_hr] * (REFERENCE_MINUTES * 60), resting_hr, max_hr, sex)


def trimp_load(
    timestamps_s: Sequence[float],
    heart_rates: Sequence[float | None],
    *,
    resting_hr: float,
    max_hr: float,
    threshold_hr: float,
    sex: Sex,
) -> float:
    """Banister TRIMP scaled so that 60 minutes at `threshold_hr` scores 100."""
    trimp = banister_trimp(heart_rates, resting_hr, max_hr, sex, timestamps_s=timestamps_s)
    reference = _reference_trimp(threshold_hr, resting_hr, max_hr, sex)
    if reference <= 0:
        raise ValueError("the threshold heart rate must be above the resting heart rate")
    return trimp * 100.0 / reference


def timed_seconds(timestamps_s: Sequence[float]) -> float:
    """Recorded time: gaps capped at 10 s (a paused watch is not training), the last sample 1 s."""
    if not timestamps_s:
        return 0.0
    gaps = (min(b - a, MAX_GAP_S) for a, b in itertools.pairwise(timestamps_s))
    return math.fsum(gaps) + LAST_SAMPLE_S


def rtss_load(
    timestamps_s: Sequence[float],
    speeds_m_s: Sequence[float | None],
    altitude_m: Sequence[float | None],
    distance_m: Sequence[float | None],
    *,
    threshold_pace_s_per_km: float,
) -> tuple[float, float] | None:
    """(rTSS, NGP s/km) of a run, or None when it has too little movement for an NGP."""
    ngp = normalized_graded_pace(speeds_m_s, centred_grades(altitude_m, distance_m))
    if ngp is None:
        return None
    return rtss(timed_seconds(timestamps_s), ngp, threshold_pace_s_per_km), ngp


def duration_load(seconds: float) -> float:
    return seconds / 3600.0 * DURATION_INTENSITY**2 * 100.0


def _covered(values: Sequence[float | None]) -> bool:
    present = sum(1 for v in values if v is not None)
    return present >= MIN_SAMPLES and present >= MIN_COVERAGE * len(values)


async def measure_activity_load(
    session: AsyncSession,
    activity: Activity,
    resolver: AnchorResolver,
    series: Series | Stored | None = STORED,
    figures: Figures | None = None,
) -> LoadResult | None:
    """The load of `activity` by the best method its data allows (see the module docstring). `series`: its
    samples (`SERIES_COLUMNS`) when the caller holds them (the importer, `store.stored_series`); by default
    they are read. `figures`: `figures_of` those samples, when the caller has worked them out."""
    if isinstance(series, str):  # STORED
        span = Span(activity.id, activity.start_time, activity.elapsed_s)
        series = (await activity_series(session, activity.user_id, [span], SERIES_COLUMNS)).get(activity.id)
    # the activity's own figures first (the anchors below may count this activity among their candidates)
    if figures is None:
        figures = figures_of(series, activity.sport)
    await store_figures(session, activity.id, activity.user_id, figures)
    if series is not None and _covered(series["heart_rate"]):
        max_hr = await resolver.max_hr()
        resting = await resolver.resting_hr()
        threshold = await resolver.lthr()
        if max_hr is not None and threshold is not None and resting.value < threshold.value < max_hr.value:
            sex, sex_source = resolver.sex()
            load = trimp_load(
                series.t,
                series["heart_rate"],
                resting_hr=resting.value,
                max_hr=max_hr.value,
                threshold_hr=threshold.value,
                sex=sex,
            )
            return LoadResult(
                load,
                "trimp",
                f"Banister TRIMP from heart rate (max {max_hr.value:.0f} {max_hr.source}, resting "
                f"{resting.value:.0f} {resting.source}, {sex} weighting {sex_source}); 100 = 1 h at "
                f"LTHR {threshold.value:.0f} ({threshold.source})",
            )
    if series is not None and activity.sport in RUNNING_SPORTS and _covered(series["speed_mps"]):
        threshold_pace = await resolver.threshold_pace()
        if threshold_pace is not None:
            measured = rtss_load(
                series.t,
                series["speed_mps"],
                series["altitude_m"],
                series["distance_m"],
                threshold_pace_s_per_km=threshold_pace.value,
            )
            if measured is not None:
                load, ngp = measured
                return LoadResult(
                    load,
                    "rtss",
                    f"rTSS: normalized graded pace {pace(ngp)} against threshold pace "
                    f"{pace(threshold_pace.value)} ({threshold_pace.source})",
                )
    seconds = activity.moving_s or activity.elapsed_s or (timed_seconds(series.t) if series else None)
    if not seconds:
        return None
    return LoadResult(
        duration_load(seconds),
        "duration",
        f"no usable heart rate or pace: {seconds / 60:.0f} min counted as easy effort "
        f"({duration_load(3600):.0f} points an hour)",
    )


async def compute_activity_load(
    session: AsyncSession,
    activity: Activity,
    resolver: AnchorResolver | None = None,
    *,
    series: Series | Stored | None = STORED,
    figures: Figures | None = None,
    athlete: User | None = None,
) -> LoadResult | None:
    """Measure and store the training load of a freshly stored (or any) activity. Flushes; never commits.
    Without a `resolver`, the anchors are those as of the activity's own day (see `AnchorResolver`) for
    `athlete` (the activity's owner; read when not given); `series` and `figures` as for
    `measure_activity_load`."""
    if resolver is None:
        user = athlete if athlete is not None else await session.get(User, activity.user_id)
        if user is None:
            return None
        zone = user_zone(user)
        day = min(activity.start_time.astimezone(zone).date(), datetime.now(zone).date())
        resolver = AnchorResolver(session, user, today=day, shared=True)
    result = await measure_activity_load(session, activity, resolver, series, figures)
    activity.training_load = round(result.load, 1) if result is not None else None
    activity.load_method = result.method if result is not None else None
    await session.flush()
    return result


async def backfill_loads(
    session: AsyncSession, user: User, *, since: datetime, limit: int, resolver: AnchorResolver | None = None
) -> tuple[int, int]:
    """Compute the load of up to `limit` of the user's activities since `since` that have none (newest
    first). Returns (computed, still missing)."""
    missing = await without_load(session, user.id, since)
    resolver = resolver or AnchorResolver(session, user)
    for activity in missing[:limit]:
        await compute_activity_load(session, activity, resolver)
    return min(limit, len(missing)), max(0, len(missing) - limit)
