"""Activity file uploads (FIT, GPX, TCX, gzipped or not): staged durably in PostgreSQL, then imported one
file at a time by a job.

An upload is checked (count and size, with a clear 413) and every file is written to PostgreSQL as a
large object *in the request's transaction*, together with the job row that names them, before anything
is queued: a crash, a Redis restart or a lost queue message loses nothing (the maintenance sweep re-queues
the job). PostgreSQL rather than a local directory, because api and worker may run on different machines.

`queue_import` records the job (the API's upload and the Telegram bot both call it); `wait_for_import`
lets a caller that can wait (the bot) give the per-file results. `import_staged` is the job's work: for
each file not done yet, in its own transaction, read the staged bytes, `import_file` them, record the
file's result on the job's progress, and drop the staged copy. A retry or a duplicate delivery therefore
skips what is done and never imports a file twice (and `import_file` is idempotent anyway). A bad file is
a result (`rejected` with the reason), not a failed job.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import session_scope
from core.errors import CoachError, InvalidInput, ServiceUnavailable
from core.models import Job
from core.queue.outbox import enqueue
from core.queue.records import set_progress
from tools.activities.importer import ImportResult, import_file
from tools.activities.repository import create_staged, drop_staged, read_staged

log = logging.getLogger(__name__)

JOB_KIND = "activities.import"
MAX_NAME = 200


class UploadTooLarge(CoachError):
    code = "payload_too_large"
    status = 413


@dataclass(frozen=True, slots=True)
class Upload:
    name: str
    data: bytes


class StagedFile(BaseModel):
    name: str
    oid: int = Field(description="the PostgreSQL large object holding the bytes until they are imported")
    size: int


class ImportProgress(BaseModel):
    phase: Literal["importing", "done"]
    done: int
    total: int
    files: list[ImportResult]


class ImportSummary(BaseModel):
    imported: int
    already_imported: int
    rejected: int
    files: list[ImportResult]


def clean_name(raw: str | None, index: int) -> str:
    """The file's own name without any client-side directories, printable and bounded."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name.strip()
    name = "".join(ch for ch in name if ch.isprintable())[:MAX_NAME]
    return name or f"file-{index + 1}.fit"


def check_upload(sizes: Sequence[tuple[str, int]], *, max_files: int, max_file_bytes: int) -> None:
    """Refuse an upload with too many files or a file over the size limit, saying which and the limits."""
    if not sizes:
        raise InvalidInput(
            "No files were sent. Send one or more FIT, GPX or TCX files in the multipart field `files`."
        )
    if len(sizes) > max_files:
        raise UploadTooLarge(
            f"{len(sizes)} files were sent; at most {max_files} go in one upload. Send them in batches.",
            details={"files": len(sizes), "max_files": max_files},
        )
    too_big = [(name, size) for name, size in sizes if size > max_file_bytes]
    if too_big:
        listed = ", ".join(f"{name} ({size / 2**20:.1f} MB)" for name, size in too_big[:5])
        raise UploadTooLarge(
            f"Too large: {listed}. Each file may be at most {max_file_bytes / 2**20:g} MB; nothing was "
            "stored. A FIT activity file is rarely over a few MB — check that these are activity files.",
            details={"max_file_bytes": max_file_bytes, "files": [name for name, _ in too_big]},
        )


async def stage_uploads(session: AsyncSession, uploads: Sequence[Upload]) -> list[StagedFile]:
    """Write each file as a large object in the session's transaction (commit with the job row)."""
    staged = []
    for upload in uploads:
        oid = await create_staged(session, upload.data)
        staged.append(StagedFile(name=upload.name, oid=oid, size=len(upload.data)))
    return staged


def _rejected(name: str, reason: str) -> ImportResult:
    return ImportResult(file=name, status="rejected", reason=reason)


async def queue_import(
    session: AsyncSession, user_id: int, staged: Sequence[StagedFile], *, source: str = "upload"
) -> Job:
    """Record and queue the import job of files staged in the session's transaction (committed together)."""
    return await enqueue(
        session,
        JOB_KIND,
        {"files": [s.model_dump() for s in staged], "source": source},
        user_id=user_id,
        max_attempts=3,
    )


async def wait_for_import(
    job_id: uuid.UUID, *, within_s: float, every_s: float = 0.25
) -> ImportSummary | None:
    """The import job's summary once it has succeeded; None when it is still running after `within_s`.
    Raises the job's error (ServiceUnavailable) when it failed for good."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        async with session_scope() as session:
            job = await session.get_one(Job, job_id)
        if job.state == "succeeded":
            return ImportSummary.model_validate(job.result or {})
        if job.state == "failed":
            raise ServiceUnavailable(
                f"The import failed: {job.error or 'unknown error'}. Send the file again."
            )
        if loop.time() + every_s > deadline:
            return None
        await asyncio.sleep(every_s)


async def import_one(
    session: AsyncSession, user_id: int, staged: StagedFile, *, source: str = "upload"
) -> ImportResult:
    """Import one staged file in the session's transaction; a bad file becomes a `rejected` result."""
    data = await read_staged(session, staged.oid)
    if data is None:
        return _rejected(staged.name, "The uploaded copy of this file is gone; upload the file again.")
    try:
        async with session.begin_nested():
            result = await import_file(session, user_id, data, filename=staged.name, source=source)
    except InvalidInput as exc:
        return _rejected(staged.name, exc.message)
    return result


def summary(results: Sequence[ImportResult]) -> ImportSummary:
    return ImportSummary(
        imported=sum(r.status == "imported" for r in results),
        already_imported=sum(r.status == "already_imported" for r in results),
        rejected=sum(r.status == "rejected" for r in results),
        files=list(results),
    )


async def import_staged(
    job_id: uuid.UUID,
    user_id: int,
    files: Sequence[StagedFile],
    progress: dict[str, Any] | None,
    *,
    source: str = "upload",
) -> ImportSummary:
    """Import the job's staged files that are not done yet, each committed with its recorded result."""
    known = ImportProgress.model_validate(progress) if progress and "files" in progress else None
    results: list[ImportResult] = list(known.files) if known else []
    total = len(files)
    for staged in files[len(results) :]:
        async with session_scope() as session:
            result = await import_one(session, user_id, staged, source=source)
            results.append(result)
            phase: Literal["importing", "done"] = "done" if len(results) == total else "importing"
            done = ImportProgress(phase=phase, done=len(results), total=total, files=results)
            await set_progress(session, job_id, **done.model_dump(mode="json"))
            await drop_staged(session, staged.oid)
        log.info("import job %s: %s %s (%d/%d)", job_id, staged.name, result.status, len(results), total)
    return summary(results)
