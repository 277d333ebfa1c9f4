"""Import jobs. Thin: the work is `tools.activities.uploads.import_staged`,
`tools.activities.archive_import.import_archive` and `tools.garmin.backfill.run_health_backfill`.

`activities.import` (args: `files`, the staged uploads): each file is imported, its result recorded on the
job's progress and its staged copy dropped in one transaction of its own, so progress shows while the job
runs and a retry resumes after the last file done. The job's result is the per-file results and counts.

`activities.import_archive` (args: `archive`, a staged or local Strava export zip): the same for every
activity in the archive, results committed with the progress in batches; a retry resumes after the last
batch. A refused archive (path traversal, a zip bomb…) fails the job at once with the reason.

`garmin.health_backfill` (args: `days`): the athlete's Garmin health history (sleep, HRV, resting HR…) for
the last `days` days, in chunks committed with the progress; a retry resumes after the last chunk.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import Job, User
from jobs.runner import job_handler
from tools.activities import archive_import
from tools.activities.uploads import JOB_KIND, StagedFile, import_staged
from tools.deps import user_zone
from tools.garmin import backfill

_FILES = TypeAdapter(list[StagedFile])


def _owner(job: Job) -> int:
    if job.user_id is None:
        raise InvalidInput("An import job must belong to a user.")
    return job.user_id


@job_handler(JOB_KIND)
async def import_files(session: AsyncSession, job: Job) -> dict[str, Any]:
    files = _FILES.validate_python(job.args.get("files", []))
    source = str(job.args.get("source") or "upload")
    result = await import_staged(job.id, _owner(job), files, job.progress, source=source)
    return result.model_dump(mode="json")


@job_handler(archive_import.JOB_KIND)
async def import_archive(session: AsyncSession, job: Job) -> dict[str, Any]:
    source = archive_import.ArchiveSource.model_validate(job.args.get("archive") or {})
    result = await archive_import.import_archive(job.id, _owner(job), source, job.progress)
    return result.model_dump(mode="json")


@job_handler(backfill.JOB_KIND)
async def garmin_health_backfill(session: AsyncSession, job: Job) -> dict[str, Any]:
    user = await session.get_one(User, _owner(job))
    days = min(max(int(job.args.get("days") or backfill.BACKFILL_DAYS), 1), 3 * backfill.BACKFILL_DAYS)
    today = datetime.now(user_zone(user)).date()
    result = await backfill.run_health_backfill(
        job.id, user.id, today=today, days=days, progress=job.progress
    )
    return result.model_dump(mode="json")
