"""`import_file`: one FIT, GPX or TCX file (gzipped or not) → one stored activity (with laps, samples and
multisport legs), exactly once.

Used by every way a file arrives: the CLI, an upload, a Telegram attachment, a Garmin sync, a Strava archive.
Idempotent: the same file (by SHA-256 of its unpacked bytes), or the same activity from another file or
source, imports once and the second attempt answers `already_imported` with the existing id. "The same
activity" is a start within `SAME_START_TOLERANCE`, or — because a GPX export starts at its first point and
a FIT file at its session start — a start within `OVERLAP_WINDOW` with the same sport, time ranges that
overlap by at least `MIN_OVERLAP` of the shorter one, and distances within `DISTANCE_TOLERANCE`. Atomic:
decoding happens before any write, and the writes run in a savepoint, so a failure leaves nothing behind.
The unpacked original is kept (content-addressed) whatever its format. What reads would otherwise compute
from the samples is computed here, once: the load and the activity's figures (`compute_activity_load`), the
per-minute rollups (`store_activity`) and the facts the feed's computed comment is made of.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity, User
from core.settings import Settings, get_settings
from tools.activities.formats import decode_activity
from tools.activities.originals import hold_original, save_original
from tools.activities.prepared import Held, Part, Unpacked, held_of, to_new_activity, unpack
from tools.activities.repository import top_activities_starting, top_activity_by_file
from tools.activities.store import NewActivity, store_activity_and_legs
from tools.feed.facts import keep_activity_facts
from tools.gear.gear import link_default_gear
from tools.training_load.activity import compute_activity_load

#: two recordings of one workout (watch file vs. Garmin's copy) start within this window
SAME_START_TOLERANCE = timedelta(seconds=2)
#: the same workout recorded or exported differently: starts this close, same sport, mostly the same time span
OVERLAP_WINDOW = timedelta(minutes=10)
MIN_OVERLAP = 0.8
DISTANCE_TOLERANCE = 0.1


class Span(Protocol):
    """What "the same workout" is judged on: a decoded file, or a manual activity's summary."""

    @property
    def start_time(self) -> datetime: ...
    @property
    def sport(self) -> str: ...
    @property
    def elapsed_s(self) -> float | None: ...
    @property
    def distance_m(self) -> float | None: ...


class ImportResult(BaseModel):
    file: str
    status: Literal["imported", "already_imported", "rejected"]
    activity_id: int | None = None
    reason: str | None = None
    sport: str | None = None
    start_time: datetime | None = None
    distance_m: float | None = None
    samples: int = 0
    warnings: list[str] = []


def _same_workout(candidate: Activity, parsed: Span) -> bool:
    """Another recording or export of the parsed activity (see the module docstring)?"""
    if abs(candidate.start_time - parsed.start_time) <= SAME_START_TOLERANCE:
        return True
    if "generic" not in (candidate.sport, parsed.sport) and candidate.sport != parsed.sport:
        return False
    start, end = parsed.start_time, parsed.start_time + timedelta(seconds=parsed.elapsed_s or 0)
    other_end = candidate.start_time + timedelta(seconds=candidate.elapsed_s or 0)
    shorter = min(end - start, other_end - candidate.start_time)
    overlap = min(end, other_end) - max(start, candidate.start_time)
    if shorter <= timedelta(0) or overlap < shorter * MIN_OVERLAP:
        return False
    a, b = candidate.distance_m, parsed.distance_m
    return not (a and b and abs(a - b) > DISTANCE_TOLERANCE * max(a, b))


async def find_same_activity(session: AsyncSession, user_id: int, parsed: Span) -> Activity | None:
    """The user's stored activity that is the parsed one, recorded or exported another way, if any."""
    start = parsed.start_time
    candidates = await top_activities_starting(
        session, user_id, start - OVERLAP_WINDOW, start + OVERLAP_WINDOW
    )
    return next((c for c in candidates if _same_workout(c, parsed)), None)


@dataclass(frozen=True, slots=True)
class _Origin:
    """Where a file came from and what its source says about it (see `import_file`)."""

    source: str
    external_id: str | None
    name: str | None
    notes: str | None
    sport: str | None


def _result(
    filename: str,
    status: Literal["imported", "already_imported"],
    activity: Activity,
    samples: int,
    warnings: list[str] | None = None,
) -> ImportResult:
    return ImportResult(
        file=filename,
        status=status,
        activity_id=activity.id,
        sport=activity.sport,
        start_time=activity.start_time,
        distance_m=activity.distance_m,
        samples=samples,
        warnings=warnings or [],
    )


def already_imported(filename: str, activity: Activity) -> ImportResult:
    return _result(filename, "already_imported", activity, activity.sample_count)


def max_unpacked_bytes(settings: Settings) -> int:
    """The most a gzipped file may unpack to: far more than an upload's own cap, far less than a bomb."""
    return settings.upload_max_file_bytes * 8


async def import_file(
    session: AsyncSession,
    user_id: int,
    data: bytes | Unpacked,
    *,
    filename: str,
    source: str = "upload",
    external_id: str | None = None,
    name: str | None = None,
    notes: str | None = None,
    sport: str | None = None,
) -> ImportResult:
    """Import one activity file (FIT, GPX or TCX, optionally gzipped) for the user. Raises `InvalidInput`
    (with the file's name and the reason) for a file that is not an importable activity, having written
    nothing; returns `already_imported` for a file or activity that is already stored. `sport` (a Strava
    archive's activity type) fills in for GPX/TCX files that do not say. A FIT file chaining several
    activities (`fit.chain`) stores each of them; the result names the first and counts them all. `data`:
    the file's bytes, or what `prepared.decode_ahead` made of them in the worker of `tools.activities.ahead`
    (with the same `filename` and `sport`)."""
    settings = get_settings()
    if isinstance(data, Unpacked):
        chained = data.activities()
    else:
        chained = unpack(data, filename=filename, max_bytes=max_unpacked_bytes(settings)).parts
    origin = _Origin(source=source, external_id=external_id, name=name, notes=notes, sport=sport)
    if len(chained) == 1:
        return await _import_one(session, user_id, chained[0], origin)
    results: list[ImportResult] = []
    notes_added: set[str] = set()
    async with session.begin_nested():  # all of them or, if one is refused, none
        for i, part in enumerate(chained, 1):
            note = (
                f"Read from {filename}, a chained FIT file holding {len(chained)} activities: this is "
                f"activity {i} of {len(chained)}."
            )
            notes_added.add(note)
            part_origin = origin if i == 1 else dataclasses.replace(origin, external_id=None)
            results.append(await _import_one(session, user_id, part, part_origin, note=note))
    return _chained_result(filename, results, notes_added)


def _chained_result(filename: str, results: list[ImportResult], notes: set[str]) -> ImportResult:
    """One result for a chained file: the first activity's, with every activity counted and named."""
    first = results[0]
    ids = ", ".join(str(r.activity_id) for r in results)
    said = f"{filename} chains {len(results)} FIT activities; each is stored on its own (activities {ids})."
    return first.model_copy(
        update={
            "file": filename,
            "status": "imported" if any(r.status == "imported" for r in results) else "already_imported",
            "samples": sum(r.samples for r in results),
            "warnings": [said, *(w for r in results for w in r.warnings if w not in notes)],
        }
    )


async def _store(session: AsyncSession, user_id: int, new: NewActivity, held: Held | None) -> Activity:
    """Store the activity and what is computed with it: gear, load, figures, the feed's facts and comment.
    The load, the figures and the facts need the samples just written: they are taken from memory (`held`
    when worked out ahead, else now), not read back. (Working them out in a thread while PostgreSQL takes
    the samples in was measured slower: the thread and the event loop contend for the GIL.)"""
    athlete = await session.get_one(User, user_id)
    activity, legs = await store_activity_and_legs(session, user_id, new)
    await link_default_gear(session, activity)
    known = held or held_of(new)
    known_by_id = {activity.id: known.series}
    known_by_id.update((leg.id, series) for leg, series in zip(legs, known.legs, strict=True))
    series, figures = known.series, known.figures
    await compute_activity_load(session, activity, series=series, figures=figures, athlete=athlete)
    await keep_activity_facts(session, activity, known_by_id, athlete=athlete, legs=legs)
    return activity


async def _import_one(
    session: AsyncSession, user_id: int, part: Part, origin: _Origin, note: str | None = None
) -> ImportResult:
    """`import_file` for one activity of the unpacked file; `note` is added to its stored warnings."""
    settings = get_settings()
    filename, sha, data = part.filename, part.sha256, part.data
    found = await top_activity_by_file(session, user_id, sha)
    if found is not None:
        return already_imported(filename, found)
    parsed = part.decoded()  # decoded ahead (`tools.activities.ahead`), or now
    if parsed is None:
        parsed = await asyncio.to_thread(
            decode_activity, data, filename=filename, decoder=settings.fit_decoder, sport=origin.sport
        )
    if note is not None:
        parsed = parsed.model_copy(update={"warnings": [*parsed.warnings, note]})
    found = await find_same_activity(session, user_id, parsed)
    if found is not None:
        return already_imported(filename, found)
    new = to_new_activity(
        parsed, source=origin.source, external_id=origin.external_id, name=origin.name, notes=origin.notes
    )
    try:
        async with session.begin_nested():
            activity = await _store(session, user_id, new, part.held)
        await hold_original(session, sha)  # no deletion of these bytes until this import commits
        await asyncio.to_thread(save_original, data)
    except IntegrityError:
        # a concurrent import of the same file or activity won the race
        found = await top_activity_by_file(session, user_id, sha) or await find_same_activity(
            session, user_id, parsed
        )
        if found is None:
            raise
        return already_imported(filename, found)
    # samples: the file's, legs included (a multisport parent stores none of its own)
    return _result(filename, "imported", activity, parsed.sample_count, list(parsed.warnings))


async def import_fit(
    session: AsyncSession,
    user_id: int,
    data: bytes,
    *,
    filename: str,
    source: str = "upload",
    external_id: str | None = None,
    name: str | None = None,
) -> ImportResult:
    """`import_file` for callers that fetch FIT files (Garmin and Strava sync); any format is accepted."""
    return await import_file(
        session, user_id, data, filename=filename, source=source, external_id=external_id, name=name
    )
