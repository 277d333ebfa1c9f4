"""One activity as the activity page shows it: the `last_activity` detail (totals, laps), plus the gear it
was run in, its multisport legs, and the time spent in each heart-rate zone.

Zones are the five %-of-max-HR zones from the athlete's max HR (profile, else estimated from their data —
`anchor` says which; the estimate is memoised per user and day). Time in a zone is the sum of the gaps
between consecutive heart-rate samples whose first sample is in that zone, each gap capped at `MAX_GAP_S`
(`tools.zones.science.time_in_zones`), so a paused watch does not pour minutes into one zone. The seconds per
zone are stored with the activity's figures (`activity_figures`) for the max HR they were computed with, and
reused while it holds.

The page gathers its data itself — from the repositories, the stored figures and the samples — and hands it to
pure functions (`max_hr_estimate`, `time_in_zones`), so each statement it runs is at most four files from the
route (tests/api/resources/test_activity_detail_depth.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from core.models import ActivityFigures
from tools.activities.activities import (
    ActivityDetail,
    ActivityInput,
    get_owned_activity,
    last_activity,
    summarise,
)
from tools.activities.activities import ActivitySummary as LegSummary
from tools.activities.repository import Activities
from tools.activities.visibility import hidden_sources
from tools.deps import ToolDeps
from tools.fitness.activity_figures import SERIES_COLUMNS, add_figures, stored_figures
from tools.gear.repository import GearRepository
from tools.samples.series import Series, Span, activity_series
from tools.zones.anchors import Anchor, AnchorResolver, AnchorSource, max_hr_estimate
from tools.zones.science import max_hr_zones, time_in_zones


class GearRef(BaseModel):
    id: int
    name: str
    kind: str
    is_retired: bool


class ZoneTime(BaseModel):
    name: str
    low_bpm: int | None
    high_bpm: int | None
    seconds: float


class HeartRateZones(BaseModel):
    max_hr: float
    anchor: AnchorSource = Field(description="where max HR came from: profile, estimated or assumed")
    zones: list[ZoneTime]


class ActivityView(ActivityDetail):
    gear: list[GearRef]
    legs: list[LegSummary] = Field(description="multisport legs, in order (empty otherwise)")
    hr_zones: HeartRateZones | None = Field(description="None without heart rate or a max HR")


#: samples the caller already holds, by activity id (None: it has none), as `activity_series` reads them back
#: (the importer's, from `tools.activities.store.stored_series`): used instead of reading them
Known = Mapping[int, Series | None]


async def _series(
    deps: ToolDeps, spans: Sequence[Span], columns: Sequence[str], known: Known
) -> dict[int, Series]:
    """`activity_series` of `spans`, taken from `known` where the caller holds them."""
    unknown = [s for s in spans if s.id not in known]
    out = await activity_series(deps.session, deps.user_id, unknown, columns) if unknown else {}
    for span in spans:
        held = known.get(span.id)
        if held is not None:
            out[span.id] = held
    return out


async def _figures(deps: ToolDeps, spans: list[Span], known: Known) -> dict[int, ActivityFigures]:
    """`ensure_figures`, with the samples of activities still without figures read from here: no statement
    of the page is more than one module away from here (route → here → figures or samples → repository)."""
    found, missing = await stored_figures(deps.session, deps.user_id, spans)
    if not missing:
        return found
    series = await _series(deps, missing, SERIES_COLUMNS, known)
    return await add_figures(deps.session, deps.user_id, spans, missing, series)


async def _max_hr(deps: ToolDeps) -> Anchor | None:
    """The athlete's max HR as `AnchorResolver.max_hr` gives it (profile, the shared memo, else estimated),
    its data gathered here — the candidates, then their figures — so each statement is one call away."""
    resolver = AnchorResolver(
        deps.session, deps.user, today=deps.today, shared=True, hide_sources=hidden_sources(deps)
    )
    known, anchor = resolver.recall("max_hr")
    if known:
        return anchor
    candidates = await resolver.candidates.max_hr()
    figures = await _figures(deps, candidates, {})
    found = [figures[s.id] for s in candidates if s.id in figures]
    return resolver.remember("max_hr", max_hr_estimate(found, deps.user, deps.today))


async def hr_zones(deps: ToolDeps, spans: list[Span], known: Known | None = None) -> HeartRateZones | None:
    """Time in each heart-rate zone over the activities of `spans` (an activity and its legs), None without
    heart rate or a max HR; `known`: samples the caller holds, not read again."""
    known = known or {}
    figures = await _figures(deps, spans, known)
    if not any(f.hr_samples for f in figures.values()):
        return None
    max_hr = await _max_hr(deps)
    if max_hr is None:
        return None
    zones = max_hr_zones(max_hr.value)
    # zone times are stored per activity for the max HR they were computed with; recomputed when it moved
    stale = [s for s in spans if s.id in figures and figures[s.id].zone_max_hr != max_hr.value]
    series = await _series(deps, stale, ["heart_rate"], known) if stale else {}
    for span in stale:
        found = series.get(span.id)
        figures[span.id].zone_max_hr = max_hr.value
        figures[span.id].zone_seconds = (
            time_in_zones(found.t, found["heart_rate"], zones) if found is not None else [0.0] * len(zones)
        )
    totals = [0.0] * len(zones)
    for span in spans:
        stored = figures[span.id].zone_seconds if span.id in figures else None
        for index, value in enumerate(stored or []):
            totals[index] += value
    return HeartRateZones(
        max_hr=round(max_hr.value),
        anchor=max_hr.source,
        zones=[
            ZoneTime(
                name=zone.name,
                low_bpm=round(zone.low_bpm) if zone.low_bpm is not None else None,
                high_bpm=round(zone.high_bpm) if zone.high_bpm is not None else None,
                seconds=round(total),
            )
            for zone, total in zip(zones, totals, strict=True)
        ],
    )


async def activity_view(deps: ToolDeps, activity_id: int) -> ActivityView:
    """The user's activity in detail (NotFound for someone else's or a missing id)."""
    activity = await get_owned_activity(deps.session, deps.user_id, activity_id)
    detail = await last_activity(deps, ActivityInput(activity_id=activity.id))
    gear = await GearRepository(deps.session, deps.user_id).of_activity(activity.id)
    legs = await Activities(deps.session, deps.user_id).legs_of(activity.id)
    spans = [Span(id=a.id, start_time=a.start_time, elapsed_s=a.elapsed_s) for a in [activity, *legs]]
    return ActivityView(
        **detail.model_dump(),
        gear=[GearRef(id=g.id, name=g.name, kind=g.kind, is_retired=g.is_retired) for g in gear],
        legs=[summarise(leg, deps.tz) for leg in legs],
        hr_zones=await hr_zones(deps, spans),
    )
