"""The numbers RunCoach's comment on one activity is composed from (`tools.feed.comment`), read from storage.

The activity's figures are those its activity page and the after-run message's `last_activity` call show
(totals, and time in heart-rate zones by `tools.activities.detail.hr_zones`) plus its per-second distance
for the half splits (the importer hands in the samples it has just stored instead of reading them back);
the history is the athlete's own activities *before* this one, so a comment does not change when later
activities arrive.

When an activity is processed (import, `reprocess`), `keep_activity_facts` computes its facts, stores them
with its figures (`activity_figures.comment_facts`) and composes and stores RunCoach's comment from them
(`tools.feed.repository.keep_computed_comment`), so the feed only reads it. The stored facts are keyed by
what they depend on besides the samples: the athlete's max HR anchor (the zone sentence) and the activity's
totals. `stored_activity_facts` uses them while that key holds and computes them again otherwise, so a
comment composed later (for an activity processed before comments were stored) is exactly what
`activity_facts` would give.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity, User
from tools.activities.detail import Known, hr_zones
from tools.activities.repository import Activities
from tools.deps import ToolDeps
from tools.feed.comment import (
    HISTORY_DAYS,
    LOAD_DAYS,
    ActivityFacts,
    ComputedComment,
    History,
    Prior,
    Units,
    compose,
    half_splits,
)
from tools.feed.repository import keep_computed_comment
from tools.fitness.activity_figures import ensure_figures
from tools.fitness.repository import FiguresRepository
from tools.samples.series import Span, activity_series
from tools.zones.anchors import AnchorResolver


def _number(value: float | None) -> float | None:
    """A figure as the activity page gives it (a float; an int as stored by the importer becomes one)."""
    return float(value) if value is not None else None


async def activity_facts(
    session: AsyncSession,
    athlete: User,
    activity: Activity,
    known: Known | None = None,
    legs: Sequence[Activity] | None = None,
) -> ActivityFacts:
    """The measured facts of one of `athlete`'s activities: the totals and the time in heart-rate zones that
    its activity page shows (`tools.activities.detail`), and the half splits. `known`: its samples (and
    its legs') when the caller holds them, as read back (the importer), so they are not read again; `legs`:
    its multisport legs in order, when the caller has them (the importer, which has just stored them)."""
    known = known or {}
    deps = ToolDeps.for_user(session, athlete)
    if legs is None:
        legs = await Activities(session, athlete.id).legs_of(activity.id)
    spans = [Span(id=a.id, start_time=a.start_time, elapsed_s=a.elapsed_s) for a in [activity, *legs]]
    zones = await hr_zones(deps, spans, known)
    top_zone: tuple[str, float] | None = None
    if zones is not None:
        total = sum(z.seconds for z in zones.zones)
        if total > 0:
            best = max(zones.zones, key=lambda z: z.seconds)
            top_zone = (best.name, best.seconds / total)
    if activity.id in known:
        samples = known[activity.id]
    else:
        series = await activity_series(session, athlete.id, spans[:1], ["distance_m"])
        samples = series.get(activity.id)
    return ActivityFacts(
        sport=activity.sport,
        distance_m=activity.distance_m,
        duration_s=_number(activity.moving_s or activity.elapsed_s),
        avg_hr=_number(activity.avg_hr),
        training_load=_number(activity.training_load),
        load_method=activity.load_method,
        halves_s=half_splits(samples.t, samples["distance_m"]) if samples is not None else None,
        top_zone=top_zone,
        zone_max_hr=zones.max_hr if zones is not None else None,
        zone_anchor=str(zones.anchor) if zones is not None else None,
    )


async def history_before(session: AsyncSession, activity: Activity) -> History:
    """The athlete's same-sport activities in the HISTORY_DAYS before `activity`, and every training load
    of the LOAD_DAYS before it."""
    return (await histories_before(session, [activity]))[activity.id]


async def _facts_key(session: AsyncSession, athlete: User, activity: Activity) -> list[Any]:
    """What an activity's facts depend on besides its samples: max HR (value and source) and its totals."""
    deps = ToolDeps.for_user(session, athlete)
    max_hr = await AnchorResolver(session, athlete, today=deps.today, shared=True).max_hr()
    return [
        max_hr.value if max_hr is not None else None,
        max_hr.source if max_hr is not None else None,
        activity.sport,
        activity.distance_m,
        activity.moving_s,
        activity.elapsed_s,
        activity.avg_hr,
        activity.training_load,
        activity.load_method,
    ]


def _facts_from(stored: dict[str, Any]) -> ActivityFacts:
    fields = dict(stored)
    for name in ("halves_s", "top_zone"):
        if fields.get(name) is not None:
            fields[name] = tuple(fields[name])
    return ActivityFacts(**fields)


def units_of(athlete: User) -> Units:
    return "imperial" if athlete.units == "imperial" else "metric"


def comment_data(comment: ComputedComment) -> dict[str, Any]:
    """What a stored computed comment keeps besides its text: each sentence and its figure."""
    return {"facts": [f.model_dump() for f in comment.facts]}


async def keep_activity_facts(
    session: AsyncSession,
    activity: Activity,
    known: Known | None = None,
    *,
    athlete: User | None = None,
    legs: Sequence[Activity] | None = None,
) -> ActivityFacts:
    """Compute the facts of one activity, store them with its figures, and compose and store RunCoach's
    comment from them (when the activity is processed: at import, by `reprocess`). `known` and `legs`: as
    for `activity_facts`; `athlete`: the activity's owner, read when not given."""
    if athlete is None:
        athlete = await session.get_one(User, activity.user_id)
    facts = await _keep_facts(session, athlete, activity, known, legs)
    comment = compose(facts, await history_before(session, activity), units_of(athlete))
    await keep_computed_comment(session, athlete.id, activity.id, comment.text, comment_data(comment))
    return facts


async def _keep_facts(
    session: AsyncSession,
    athlete: User,
    activity: Activity,
    known: Known | None = None,
    legs: Sequence[Activity] | None = None,
) -> ActivityFacts:
    """Compute the facts of one activity and store them with its figures."""
    facts = await activity_facts(session, athlete, activity, known, legs)
    # the facts have just made sure the activity has figures: the session usually holds them still
    figures = await FiguresRepository(session, athlete.id).one(activity.id)
    if figures is None:
        span = Span(id=activity.id, start_time=activity.start_time, elapsed_s=activity.elapsed_s)
        figures = (await ensure_figures(session, athlete.id, [span]))[activity.id]
    figures.comment_facts = {
        "key": await _facts_key(session, athlete, activity),
        "facts": asdict(facts),
    }
    return facts


async def stored_activity_facts(session: AsyncSession, athlete: User, activity: Activity) -> ActivityFacts:
    """`activity_facts`, read from storage while what they depend on is unchanged, else computed again."""
    span = Span(id=activity.id, start_time=activity.start_time, elapsed_s=activity.elapsed_s)
    figures = (await ensure_figures(session, athlete.id, [span])).get(activity.id)
    stored = figures.comment_facts if figures is not None else None
    if stored and stored.get("key") == await _facts_key(session, athlete, activity):
        return _facts_from(stored["facts"])
    return await _keep_facts(session, athlete, activity)


async def histories_before(session: AsyncSession, activities: Sequence[Activity]) -> dict[int, History]:
    """`history_before` of each activity (by id), from one query per athlete instead of two per activity."""
    out: dict[int, History] = {}
    by_athlete: dict[int, list[Activity]] = {}
    for activity in activities:
        by_athlete.setdefault(activity.user_id, []).append(activity)
    reach = timedelta(days=max(HISTORY_DAYS, LOAD_DAYS))
    for athlete_id, theirs in by_athlete.items():
        rows = await Activities(session, athlete_id).history(
            min(a.start_time for a in theirs) - reach, max(a.start_time for a in theirs)
        )
        for activity in theirs:
            start = activity.start_time
            earlier = [r for r in rows if r.id != activity.id and r.start_time < start]
            out[activity.id] = History(
                same_sport=[
                    Prior(distance_m=r.distance_m, duration_s=r.moving_s or r.elapsed_s)
                    for r in earlier
                    if r.sport == activity.sport and r.start_time >= start - timedelta(days=HISTORY_DAYS)
                ],
                loads_before=[
                    float(r.training_load)
                    for r in earlier
                    if r.training_load is not None and r.start_time >= start - timedelta(days=LOAD_DAYS)
                ],
            )
    return out


async def stored_facts_of(
    session: AsyncSession, athletes: Mapping[int, User], activities: Sequence[Activity]
) -> dict[int, ActivityFacts]:
    """`stored_activity_facts` of each activity (by id): one figures query and one max HR per athlete."""
    out: dict[int, ActivityFacts] = {}
    by_athlete: dict[int, list[Activity]] = {}
    for activity in activities:
        by_athlete.setdefault(activity.user_id, []).append(activity)
    for athlete_id, theirs in by_athlete.items():
        athlete = athletes[athlete_id]
        spans = [Span(id=a.id, start_time=a.start_time, elapsed_s=a.elapsed_s) for a in theirs]
        figures = await ensure_figures(session, athlete_id, spans)
        for activity in theirs:
            found = figures.get(activity.id)
            stored = found.comment_facts if found is not None else None
            if stored and stored.get("key") == await _facts_key(session, athlete, activity):
                out[activity.id] = _facts_from(stored["facts"])
            else:
                out[activity.id] = await _keep_facts(session, athlete, activity)
    return out
