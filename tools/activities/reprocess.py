"""Re-process stored activities from their kept original files with the current parser (`runcoach
reprocess`), after a decoder fix or a new field.

For each top-level activity with an original (`file_sha256`): load the original (on disk or in the bucket),
decode it, and — in one savepoint, so a failure changes nothing — replace its totals, laps and per-second
samples, and those of its multisport legs, *in place*. The activity keeps its id, and with it its gear links,
plan-session matches, race results and Strava link; what the athlete wrote (name, notes, RPE) is kept too.
Legs are matched by `leg_index`: a leg the new decode no longer has is deleted, a new one is added. The
training load is measured again from the new samples.

An activity whose original is not kept (imported from Strava streams, the demo) is skipped with the reason;
one whose original no longer decodes keeps its current data and is reported as failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import CoachError, NotFound
from core.models import Activity, Lap
from core.settings import get_settings
from tools.activities.fit.model import ParsedActivity
from tools.activities.formats import decode_activity
from tools.activities.originals import load_original
from tools.activities.prepared import to_new_activity
from tools.activities.repository import Activities
from tools.activities.store import NewActivity, copy_samples, store_activity
from tools.feed.facts import keep_activity_facts
from tools.samples.repository import delete_samples
from tools.training_load.activity import compute_activity_load

Decoder = Callable[..., ParsedActivity]

#: decoded fields never written over: identity and what the athlete or another service set
KEPT_FIELDS = frozenset({"source", "external_id", "name", "file_sha256"})


class ReprocessResult(BaseModel):
    activity_id: int
    status: Literal["reprocessed", "skipped", "failed"]
    reason: str | None = None
    samples_before: int = 0
    samples_after: int = 0
    changed: list[str] = []


async def _replace_data(session: AsyncSession, activity: Activity, new: NewActivity) -> list[str]:
    """Overwrite the decoded fields, laps and samples of `activity` with `new` (and its legs). Flushes."""
    changed = []
    for name, value in new.fields.items():
        if name in KEPT_FIELDS:
            continue
        if getattr(activity, name) != value:
            changed.append(name)
            setattr(activity, name, value)
    user_id = activity.user_id
    activities = Activities(session, user_id)
    await activities.delete_laps(activity.id)
    await delete_samples(session, user_id, [activity.id])
    for lap in new.laps:
        session.add(Lap(activity_id=activity.id, user_id=user_id, **lap))
    activity.sample_count = await copy_samples(session, activity.id, user_id, new.samples)

    legs: dict[int | None, Activity] = {leg.leg_index: leg for leg in await activities.legs_of(activity.id)}
    for index, leg_new in enumerate(new.legs):
        leg_new.fields.setdefault("leg_index", index)
        leg_new.fields.setdefault("source", activity.source)
        existing = legs.pop(index, None)
        if existing is None:
            await store_activity(session, user_id, leg_new, parent_id=activity.id)
            changed.append(f"leg {index} added")
        else:
            changed.extend(f"leg {index} {name}" for name in await _replace_data(session, existing, leg_new))
    for gone_index, gone in legs.items():
        await delete_samples(session, user_id, [gone.id])
        await activities.delete(gone)
        changed.append(f"leg {gone_index} removed")
    await session.flush()
    return changed


async def reprocess_activity(
    session: AsyncSession, user_id: int, activity_id: int, *, decode: Decoder = decode_activity
) -> ReprocessResult:
    """Re-decode one of the user's activities from its original and replace its data in place (see the
    module docstring). `decode` is the parser (`decode_activity`: FIT, GPX or TCX; tests pass a changed
    one)."""
    activity = await Activities(session, user_id).top_level(activity_id)
    if activity is None:
        raise NotFound(f"Activity {activity_id} does not exist or is not yours.")
    before = activity.sample_count
    if activity.file_sha256 is None:
        return ReprocessResult(
            activity_id=activity_id,
            status="skipped",
            reason="no original file is kept for it",
            samples_before=before,
        )
    try:
        data = await asyncio.to_thread(load_original, activity.file_sha256)
        parsed = await asyncio.to_thread(
            decode, data, filename=f"{activity.file_sha256[:12]}", decoder=get_settings().fit_decoder
        )
    except NotFound as exc:
        return ReprocessResult(
            activity_id=activity_id, status="skipped", reason=exc.message, samples_before=before
        )
    except CoachError as exc:
        return ReprocessResult(
            activity_id=activity_id, status="failed", reason=exc.message, samples_before=before
        )
    new = to_new_activity(
        parsed, source=activity.source, external_id=activity.external_id, name=activity.name
    )
    async with session.begin_nested():
        changed = await _replace_data(session, activity, new)
        await compute_activity_load(session, activity)
        await keep_activity_facts(session, activity)  # and the feed's comment, which quotes the numbers
    return ReprocessResult(
        activity_id=activity_id,
        status="reprocessed",
        samples_before=before,
        samples_after=activity.sample_count,
        changed=changed,
    )


def summary_line(result: ReprocessResult) -> str:
    """One line for the terminal."""
    head = f"{result.status:<12} activity {result.activity_id}"
    if result.status != "reprocessed":
        return f"{head}: {result.reason}"
    what = ", ".join(result.changed[:8]) + ("…" if len(result.changed) > 8 else "") or "no field changed"
    return f"{head}: {result.samples_before} → {result.samples_after} samples; {what}"
