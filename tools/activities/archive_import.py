"""Importing a whole Strava bulk export: one job per archive, every activity in it exactly once.

The zip arrives by the web upload or Telegram (staged in PostgreSQL as one large object, in the request's
transaction, with the job row) or from the CLI (read in place from its path; the CLI runs the job itself).
It is checked before anything is stored (`check_archive`: path traversal, zip bombs, oversize members;
see `strava_archive`), and again by the job.

`import_archive` is the job's work. The archive's items (the rows of `activities.csv`, then activity files
no row names) are imported in order through `import_file` (source `strava_export`, with the row's name,
type, description and gear), or stored as a summary for a row without a file (a manual activity); the next
files are read and decoded in a worker process while the current one is stored (`tools.activities.ahead`:
the same results, refusals included, in the same order). Results are committed with the job's progress in
batches (`COMMIT_EVERY` items or `COMMIT_EVERY_S`), so progress shows while it runs, and a job that dies
half-way resumes after the last batch committed: what was committed is not redone, and what was rolled
back is redone once. The same archive imported again, or an
activity already imported from a FIT upload or Garmin, answers `already_imported` (by file hash, Strava id
or start time), so nothing is ever stored twice. A bad member is a `rejected` result with its reason; a
refused archive fails the job with the reason and writes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import tempfile
import time
import uuid
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from pathlib import PurePosixPath
from typing import IO, Any, Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import session_scope
from core.errors import InvalidInput
from core.models import Job
from core.queue.outbox import enqueue
from core.queue.records import create_job, set_progress, unfinished_job
from core.settings import get_settings
from tools.activities.ahead import DecodeAhead
from tools.activities.importer import (
    ImportResult,
    already_imported,
    find_same_activity,
    import_file,
    max_unpacked_bytes,
)
from tools.activities.prepared import Unpacked
from tools.activities.repository import (
    Activities,
    create_staged,
    drop_staged,
    read_staged_chunk,
    write_staged,
)
from tools.activities.store import NewActivity, store_activity
from tools.activities.strava_archive import ArchiveItem, ArchiveLimits, StravaArchive
from tools.activities.uploads import ImportProgress, ImportSummary, UploadTooLarge, summary
from tools.feed.facts import keep_activity_facts
from tools.gear.gear import gear_named, link_default_gear, link_gear
from tools.strava.sports import strava_sport
from tools.training_load.activity import compute_activity_load

log = logging.getLogger(__name__)

JOB_KIND = "activities.import_archive"
SOURCE = "strava_export"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
COMMIT_EVERY = 20
COMMIT_EVERY_S = 2.0
CHUNK = 8 << 20
#: the staged zip is held in memory up to this size while the job reads it, beyond it in a temporary file
SPOOL_BYTES = 64 << 20


class ArchiveSource(BaseModel):
    name: str
    size: int
    sha256: str
    oid: int | None = None  # staged in PostgreSQL (web upload, Telegram)
    path: str | None = None  # read in place (the CLI, on the machine that has the file)


def is_zip(head: bytes) -> bool:
    return head.startswith(ZIP_MAGIC)


def limits() -> ArchiveLimits:
    return ArchiveLimits.from_settings(get_settings())


def check_archive(fileobj: IO[bytes], name: str) -> int:
    """Open and check the archive (raises `ArchiveRefused` with the reason); the number of items."""
    fileobj.seek(0)
    items = len(StravaArchive(fileobj, name=name, limits=limits()).items)
    fileobj.seek(0)
    return items


def _too_large(name: str, size: int, cap: int) -> UploadTooLarge:
    return UploadTooLarge(
        f"{name} is {size / 2**20:.0f} MB; a Strava export may be at most {cap / 2**20:g} MB here "
        "(RUNCOACH_ARCHIVE_MAX_BYTES). Import it with `runcoach import` on the server, or raise the limit.",
        details={"filename": name, "max_bytes": cap},
    )


async def stage_archive(session: AsyncSession, fileobj: IO[bytes], name: str) -> ArchiveSource:
    """Copy the zip into a large object in the session's transaction (committed with the job row)."""
    cap = get_settings().archive_max_bytes
    oid = await create_staged(session)
    digest, size = hashlib.sha256(), 0
    fileobj.seek(0)
    while chunk := await asyncio.to_thread(fileobj.read, CHUNK):
        if size + len(chunk) > cap:
            raise _too_large(name, size + len(chunk), cap)
        await write_staged(session, oid, size, chunk)
        digest.update(chunk)
        size += len(chunk)
    return ArchiveSource(name=name, size=size, sha256=digest.hexdigest(), oid=oid)


def local_source(path: str, name: str) -> ArchiveSource:
    """The CLI's archive, hashed in place (to find an unfinished job for the same file)."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    cap = get_settings().archive_max_bytes
    if size > cap:
        raise _too_large(name, size, cap)
    return ArchiveSource(name=name, size=size, sha256=digest.hexdigest(), path=path)


async def queue_archive_import(
    session: AsyncSession, user_id: int, source: ArchiveSource, *, via: str = "upload"
) -> Job:
    """Record the archive's import job and queue it (committed with the staged archive)."""
    return await enqueue(
        session, JOB_KIND, {"archive": source.model_dump(), "via": via}, user_id=user_id, max_attempts=3
    )


async def job_for_cli(session: AsyncSession, user_id: int, source: ArchiveSource) -> Job:
    """The CLI's job for this archive: an unfinished one for the same file (to resume it), else a new one.
    Not queued: the CLI runs it."""
    found = await unfinished_job(session, user_id, JOB_KIND, sha256=source.sha256)
    if found is not None:
        found.args = {**found.args, "archive": {**found.args["archive"], "path": source.path}}
        return found
    job, _ = await create_job(
        session, JOB_KIND, {"archive": source.model_dump(), "via": "cli"}, user_id=user_id, max_attempts=3
    )
    return job


# --- the job's work -----------------------------------------------------------------------------------


async def _copy_staged(oid: int, into: IO[bytes]) -> None:
    at = 0
    while True:
        async with session_scope() as session:
            chunk = await read_staged_chunk(session, oid, at, CHUNK)
        if not chunk:
            break
        await asyncio.to_thread(into.write, chunk)
        at += len(chunk)
    into.seek(0)


async def _drop(source: ArchiveSource) -> None:
    if source.oid is not None:
        async with session_scope() as session:
            await drop_staged(session, source.oid)


def _notes(item: ArchiveItem, gear_id: int | None) -> str | None:
    lines = [item.description] if item.description else []
    if item.gear and gear_id is None:
        lines.append(f"Gear on Strava: {item.gear}")
    return "\n\n".join(lines) or None


class _Summary:
    """A manual activity's row as `find_same_activity` compares it."""

    def __init__(self, item: ArchiveItem, sport: str) -> None:
        assert item.start_time is not None
        self.start_time = item.start_time
        self.sport = sport
        self.elapsed_s = item.elapsed_s
        self.distance_m = item.distance_m


async def _store_manual(
    session: AsyncSession, user_id: int, item: ArchiveItem, gear_id: int | None
) -> ImportResult:
    """A row without a file: a summary activity (no samples), once."""
    if item.start_time is None:
        return _rejected(item.key, "activities.csv gives no readable Activity Date for this activity.")
    sport, sub_sport = strava_sport(item.activity_type)
    found = (
        await Activities(session, user_id).by_external_id(SOURCE, item.strava_id) if item.strava_id else None
    )
    found = found or await find_same_activity(session, user_id, _Summary(item, sport))
    if found is not None:
        return already_imported(item.key, found)
    speed = item.distance_m / item.moving_s if item.distance_m and item.moving_s else None
    fields: dict[str, Any] = {
        "source": SOURCE,
        "external_id": item.strava_id,
        "name": item.name,
        "notes": _notes(item, gear_id),
        "sport": sport,
        "sub_sport": sub_sport,
        "start_time": item.start_time,
        "elapsed_s": item.elapsed_s,
        "moving_s": item.moving_s or item.elapsed_s,
        "distance_m": item.distance_m,
        "max_hr": item.max_hr,
        "calories": item.calories,
        "ascent_m": item.ascent_m,
        "avg_speed_mps": speed,
        "import_warnings": ["a manual activity on Strava: a summary without samples"],
    }
    activity = await store_activity(session, user_id, NewActivity(fields=fields))
    if gear_id is None:
        await link_default_gear(session, activity)
    await compute_activity_load(session, activity, series=None)  # a summary: no samples to read
    await keep_activity_facts(session, activity, {activity.id: None})
    return ImportResult(
        file=item.key,
        status="imported",
        activity_id=activity.id,
        sport=sport,
        start_time=item.start_time,
        distance_m=item.distance_m,
        warnings=list(fields["import_warnings"]),
    )


def _rejected(key: str, reason: str) -> ImportResult:
    return ImportResult(file=key, status="rejected", reason=reason)


def _sport(item: ArchiveItem) -> str | None:
    return strava_sport(item.activity_type)[0] if item.activity_type else None


async def _read_ahead(ahead: DecodeAhead, archive: StravaArchive, items: list[ArchiveItem], at: int) -> None:
    """Queue the files of the items from `at` on, `ahead.depth` past it, for decoding while `at` is stored."""
    for index in range(at, min(at + ahead.depth + 1, len(items))):
        member = items[index].member
        if index in ahead or member is None or not archive.has(member):
            continue
        try:
            data = await asyncio.to_thread(archive.read, member)
        except InvalidInput:
            continue  # `import_item` reads it again and rejects it in its place
        ahead.submit(index, data, filename=PurePosixPath(member).name, sport=_sport(items[index]))


async def import_item(
    session: AsyncSession,
    user_id: int,
    archive: StravaArchive,
    item: ArchiveItem,
    decoded: Awaitable[Unpacked] | None = None,
) -> ImportResult:
    """Import one item in a savepoint of the session; a bad member or row is a `rejected` result.
    `decoded`: the item's file as decoded ahead (`DecodeAhead.take`), if it was."""
    gear_id = await gear_named(session, user_id, item.gear) if item.gear else None
    try:
        async with session.begin_nested():
            if item.member is None:
                return await _store_manual(session, user_id, item, gear_id)
            if not archive.has(item.member):
                missing = f"activities.csv names {item.member}, which is not in the archive."
                return _rejected(item.key, missing)
            if decoded is not None:
                data: bytes | Unpacked = await decoded
            else:
                data = await asyncio.to_thread(archive.read, item.member)
            result = await import_file(
                session,
                user_id,
                data,
                filename=PurePosixPath(item.member).name,
                source=SOURCE,
                external_id=item.strava_id,
                name=item.name,
                notes=_notes(item, gear_id),
                sport=_sport(item),
            )
            if result.status == "imported" and gear_id is not None and result.activity_id is not None:
                await link_gear(session, await Activities(session, user_id).get(result.activity_id), gear_id)
    except InvalidInput as exc:
        return _rejected(item.key, exc.message)
    result.file = item.key
    return result


async def _open(source: ArchiveSource, stack: AsyncExitStack) -> StravaArchive:
    """The archive, from its staged copy (into a spooled temporary file) or its path."""
    if source.oid is not None:
        fh: IO[bytes] = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES))  # noqa: SIM115
        await _copy_staged(source.oid, fh)
    elif source.path is not None:
        try:
            fh = stack.enter_context(open(source.path, "rb"))  # noqa: ASYNC230, SIM115
        except OSError as exc:
            raise InvalidInput(f"Cannot read {source.path}: {exc.strerror}. Run the import again.") from exc
    else:
        raise InvalidInput("The archive's import job names no staged copy and no path; import it again.")
    return await asyncio.to_thread(StravaArchive, fh, name=source.name, limits=limits())


async def import_archive(
    job_id: uuid.UUID, user_id: int, source: ArchiveSource, progress: dict[str, Any] | None
) -> ImportSummary:
    """Import the archive's items not done yet, committing results with the job's progress in batches."""
    known = ImportProgress.model_validate(progress) if progress and "files" in progress else None
    results: list[ImportResult] = list(known.files) if known else []
    async with AsyncExitStack() as stack:
        try:
            archive = await _open(source, stack)
        except InvalidInput:
            await _drop(source)  # a refused archive keeps nothing (the job fails with the reason)
            raise
        items, total = archive.items, len(archive.items)
        settings = get_settings()
        ahead = await stack.enter_async_context(
            DecodeAhead(max_bytes=max_unpacked_bytes(settings), decoder=settings.fit_decoder)
        )
        while len(results) < total:
            async with session_scope() as session:
                started = time.monotonic()
                for index in range(len(results), min(len(results) + COMMIT_EVERY, total)):
                    item = items[index]
                    await _read_ahead(ahead, archive, items, index)
                    results.append(await import_item(session, user_id, archive, item, ahead.take(index)))
                    log.info("archive job %s: %s %s", job_id, item.key, results[-1].status)
                    if time.monotonic() - started > COMMIT_EVERY_S:
                        break
                phase: Literal["importing", "done"] = "done" if len(results) == total else "importing"
                done = ImportProgress(phase=phase, done=len(results), total=total, files=results)
                await set_progress(session, job_id, **done.model_dump(mode="json"))
            log.info("archive job %s: %d/%d items committed", job_id, len(results), total)
    await _drop(source)
    return summary(results)
