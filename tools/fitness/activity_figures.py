"""Figures of one activity computed once from its samples and stored (`activity_figures`), so that reads —
the anchors, the activity page's zone times, the VO2max of runs — never go back to a year of samples.

Each figure is the per-activity half of an estimate, computed by the estimator itself on that one activity,
so combining the stored figures gives exactly what the estimator gives over the activities' samples:

- `hr_peak`: `estimate_max_hr` of the activity alone (its highest 5-s median heart rate); max HR over
  several activities is the 90th percentile of their peaks.
- `hr_best_20min`: `estimate_lthr` of the activity alone with factor 1 (its best 20-minute average heart
  rate); LTHR is the highest of them × 0.95.
- `threshold_pace_s_per_km`: `estimate_threshold_pace` of the activity alone (the T pace its best 30
  minutes imply); over several, the fastest of them (T pace falls as the best speed rises, and a best
  speed too slow for a pace is too slow for every slower one).
- `steady_segments`: the steady blocks of `tools.fitness.vo2max.steady_segments` (they do not depend on
  any anchor; the VO2max estimate combines them with max and resting HR when read).
- `best_times`: `tools.fitness.best_times` over the standard distances (the best efforts of a
  period are the fastest of them, with the same first-found-wins order as the series path).
- `zone_seconds`: time in each %-of-max-HR zone for `zone_max_hr`; used while max HR stays that value.

Figures are written by the import path (`compute_activity_load`, from the samples it reads anyway) and
by `reprocess`; an activity stored before them gets its figures on the first read that needs them
(`ensure_figures`, stored with `INSERT … ON CONFLICT DO NOTHING`, like the feed's computed comment).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import TrainingInputError
from core.models import ActivityFigures
from tools.fitness.best_times import STANDARD_EFFORTS_M, best_times
from tools.fitness.repository import FiguresRepository
from tools.fitness.vo2max import Segment, steady_segments
from tools.samples.series import Series, Span, activity_series
from tools.training_load.stress import centred_grades
from tools.zones.science import estimate_lthr, estimate_max_hr, estimate_threshold_pace

SERIES_COLUMNS = ("heart_rate", "speed_mps", "altitude_m", "distance_m")


@dataclass(frozen=True, slots=True)
class Figures:
    sample_rows: int
    hr_samples: int
    hr_peak: float | None
    hr_best_20min: float | None
    threshold_pace_s_per_km: float | None
    steady_segments: list[Segment]
    best_times: dict[float, float]


def figures_of(series: Series | None, sport: str) -> Figures:
    """The figures of one activity of `sport` from its samples (`SERIES_COLUMNS`; None: it has none).
    Best times are for runs only (best efforts are searched in runs)."""
    if series is None or not len(series):
        return Figures(0, 0, None, None, None, [], {})
    hr, speed = series["heart_rate"], series["speed_mps"]
    grades = centred_grades(series["altitude_m"], series["distance_m"])
    return Figures(
        sample_rows=len(series),
        hr_samples=sum(1 for v in hr if v is not None),
        hr_peak=estimate_max_hr([hr]),
        hr_best_20min=estimate_lthr([hr], factor=1.0),
        threshold_pace_s_per_km=_threshold_pace(speed),
        steady_segments=steady_segments(series.t, speed, hr, grades),
        best_times=best_times(series.t, series["distance_m"], STANDARD_EFFORTS_M)
        if sport == "running"
        else {},
    )


def _threshold_pace(speed: list[float | None]) -> float | None:
    """`estimate_threshold_pace` of one activity; None where its best 30 minutes are beyond any runner
    (a ride: a VDOT over 100), which the estimate over runs would refuse."""
    try:
        return estimate_threshold_pace([speed])
    except TrainingInputError:
        return None


def _row(activity_id: int, user_id: int, figures: Figures) -> dict[str, Any]:
    return {
        "activity_id": activity_id,
        "user_id": user_id,
        "sample_rows": figures.sample_rows,
        "hr_samples": figures.hr_samples,
        "hr_peak": figures.hr_peak,
        "hr_best_20min": figures.hr_best_20min,
        "threshold_pace_s_per_km": figures.threshold_pace_s_per_km,
        "steady_segments": [asdict(s) for s in figures.steady_segments],
        "best_times": {repr(d): t for d, t in figures.best_times.items()},
        "zone_max_hr": None,
        "zone_seconds": None,
    }


async def store_figures(session: AsyncSession, activity_id: int, user_id: int, figures: Figures) -> None:
    """Store (or replace: the samples changed) the figures of one of the user's activities."""
    await FiguresRepository(session, user_id).replace(_row(activity_id, user_id, figures))


async def stored_figures(
    session: AsyncSession, user_id: int, spans: Sequence[Span]
) -> tuple[dict[int, ActivityFigures], list[Span]]:
    """(the stored figures of the user's activities in `spans` by id, the spans that have none yet)."""
    found = await FiguresRepository(session, user_id).of([s.id for s in spans]) if spans else {}
    return found, [s for s in spans if s.id not in found]


async def add_figures(
    session: AsyncSession,
    user_id: int,
    spans: Sequence[Span],
    missing: Sequence[Span],
    series: dict[int, Series],
) -> dict[int, ActivityFigures]:
    """Store the figures of the `missing` activities from their samples (`SERIES_COLUMNS`), and return the
    stored figures of all of `spans` (by id)."""
    repository = FiguresRepository(session, user_id)
    sports = await repository.sports([s.id for s in missing])
    await repository.add_missing(
        [_row(s.id, user_id, figures_of(series.get(s.id), sports.get(s.id, ""))) for s in missing]
    )
    return await repository.of([s.id for s in spans])


async def ensure_figures(
    session: AsyncSession, user_id: int, spans: Sequence[Span]
) -> dict[int, ActivityFigures]:
    """The stored figures of the user's activities in `spans` (by id), computing and storing the missing."""
    found, missing = await stored_figures(session, user_id, spans)
    if not missing:
        return found
    series = await activity_series(session, user_id, missing, SERIES_COLUMNS)
    return await add_figures(session, user_id, spans, missing, series)


async def ensure_figures_of(
    session: AsyncSession, user_id: int, spans: Sequence[Span]
) -> list[ActivityFigures]:
    """`ensure_figures` as a list in the order of `spans` (those that have figures)."""
    found = await ensure_figures(session, user_id, spans)
    return [found[s.id] for s in spans if s.id in found]


def segments(figures: ActivityFigures) -> list[Segment]:
    return [Segment(**s) for s in figures.steady_segments or []]


def stored_best_times(figures: ActivityFigures) -> dict[float, float]:
    """The activity's best time (s) over each standard distance it covered (`STANDARD_EFFORTS_M`)."""
    return {float(d): float(t) for d, t in (figures.best_times or {}).items()}
