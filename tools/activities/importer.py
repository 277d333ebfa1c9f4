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
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity, User
from core.settings import get_settings
from tools.activities.fit.chain import activity_parts
from tools.activities.fit.model import ParsedActivity, ParsedLap
from tools.activities.formats import decode_activity, detect, unwrap
from tools.activities.originals import hold_original, save_original
from tools.activities.repository import Activities, top_activities_starting, top_activity_by_file
from tools.activities.store import NewActivity, store_activity, stored_series
from tools.feed.facts import keep_activity_facts
from tools.fitness.activity_figures import Figures, figures_of
from tools.gear.gear import link_default_gear
from tools.samples.series import Series
from tools.training_load.activity import SERIES_COLUMNS, compute_activity_load

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


def _lap_fields(lap: ParsedLap) -> dict[str, Any]:
    return {
        "lap_index": lap.index,
        "start_time": lap.start_time,
        "elapsed_s": lap.elapsed_s,
        "timer_s": lap.timer_s,
        "distance_m": lap.distance_m,
        "avg_hr": lap.avg_hr,
        "max_hr": lap.max_hr,
        "avg_speed_mps": lap.avg_speed_mps,
        "max_speed_mps": lap.max_speed_mps,
        "avg_cadence": lap.avg_cadence,
        "avg_power": lap.avg_power,
        "ascent_m": lap.ascent_m,
        "descent_m": lap.descent_m,
        "calories": lap.calories,
        "intensity": lap.intensity,
        "trigger": lap.lap_trigger,
    }


def to_new_activity(
    parsed: ParsedActivity,
    *,
    source: str,
    external_id: str | None,
    name: str | None,
    notes: str | None = None,
) -> NewActivity:
    """The decoded file in the shape `store_activity` writes (legs keep the parent's file hash out)."""

    def convert(p: ParsedActivity, *, top: bool) -> NewActivity:
        fields: dict[str, Any] = {
            "source": source,
            "sport": p.sport,
            "sub_sport": p.sub_sport,
            "start_time": p.start_time,
            "tz_offset_s": p.tz_offset_s,
            "elapsed_s": p.elapsed_s,
            "moving_s": p.moving_s if p.moving_s is not None else p.timer_s,
            "distance_m": p.distance_m,
            "ascent_m": p.ascent_m,
            "descent_m": p.descent_m,
            "avg_hr": p.avg_hr,
            "max_hr": p.max_hr,
            "avg_cadence": p.avg_cadence,
            "max_cadence": p.max_cadence,
            "avg_power": p.avg_power,
            "max_power": p.max_power,
            "avg_speed_mps": p.avg_speed_mps,
            "max_speed_mps": p.max_speed_mps,
            "calories": p.calories,
            "device_manufacturer": p.device_manufacturer,
            "device_product": p.device_product,
            "device_serial": str(p.device_serial_number) if p.device_serial_number is not None else None,
        }
        if top:
            fields.update(
                file_sha256=p.file_sha256,
                external_id=external_id,
                name=name,
                import_warnings=list(p.warnings),
            )
            if notes:
                fields["notes"] = notes
        samples = {column: getattr(p.samples, column) for column in p.samples.COLUMNS}
        return NewActivity(
            fields=fields,
            laps=[_lap_fields(lap) for lap in p.laps],
            samples=samples,
            legs=[convert(leg, top=False) for leg in p.legs],
        )

    return convert(parsed, top=True)


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


async def import_file(
    session: AsyncSession,
    user_id: int,
    data: bytes,
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
    activities (`fit.chain`) stores each of them; the result names the first and counts them all."""
    settings = get_settings()
    data = unwrap(data, filename=filename, max_bytes=settings.upload_max_file_bytes * 8)
    origin = _Origin(source=source, external_id=external_id, name=name, notes=notes, sport=sport)
    chained = activity_parts(data) if detect(data) == "fit" else [data]
    if len(chained) == 1:
        return await _import_one(session, user_id, data, filename, origin)
    results: list[ImportResult] = []
    notes_added: set[str] = set()
    async with session.begin_nested():  # all of them or, if one is refused, none
        for i, part in enumerate(chained, 1):
            note = (
                f"Read from {filename}, a chained FIT file holding {len(chained)} activities: this is "
                f"activity {i} of {len(chained)}."
            )
            notes_added.add(note)
            part_name = f"{filename} (activity {i} of {len(chained)})"
            part_origin = origin if i == 1 else dataclasses.replace(origin, external_id=None)
            results.append(await _import_one(session, user_id, part, part_name, part_origin, note=note))
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


@dataclass(frozen=True, slots=True)
class _Held:
    """What the samples being stored give, worked out from memory: each series exactly as reading it back
    would give it (`stored_series`), and the activity's own figures."""

    series: Series | None
    legs: list[Series | None]
    figures: Figures


def _from_memory(new: NewActivity) -> _Held:
    series = stored_series(new, SERIES_COLUMNS)
    legs = [stored_series(leg, SERIES_COLUMNS) for leg in new.legs]
    return _Held(series=series, legs=legs, figures=figures_of(series, new.fields["sport"]))


async def _store(session: AsyncSession, user_id: int, new: NewActivity) -> Activity:
    """Store the activity and what is computed with it: gear, load, figures, the feed's facts and comment.
    The load, the figures and the facts need the samples just written: they are taken from memory, not
    read back. (Working them out in a thread while PostgreSQL takes the samples in was measured slower:
    the thread and the event loop contend for the GIL.)"""
    # held here, so the load and the facts find the athlete in the session (one SELECT, not one each)
    _athlete = await session.get_one(User, user_id)
    activity = await store_activity(session, user_id, new)
    await link_default_gear(session, activity)
    legs = await Activities(session, user_id).legs_of(activity.id) if new.legs else []
    known = _from_memory(new)
    known_by_id = {activity.id: known.series}
    known_by_id.update((leg.id, series) for leg, series in zip(legs, known.legs, strict=True))
    await compute_activity_load(session, activity, series=known.series, figures=known.figures)
    await keep_activity_facts(session, activity, known_by_id)
    return activity


async def _import_one(
    session: AsyncSession, user_id: int, data: bytes, filename: str, origin: _Origin, note: str | None = None
) -> ImportResult:
    """`import_file` for the unpacked bytes of one activity; `note` is added to its stored warnings."""
    settings = get_settings()
    sha = hashlib.sha256(data).hexdigest()
    found = await top_activity_by_file(session, user_id, sha)
    if found is not None:
        return already_imported(filename, found)
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
            activity = await _store(session, user_id, new)
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
