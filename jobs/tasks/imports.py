"""FIT import jobs. Thin: the work is `tools.activities.uploads.import_staged`.

`activities.import` (args: `files`, the staged uploads): each file is imported, its result recorded on the
job's progress and its staged copy dropped in one transaction of its own, so progress shows while the job
runs and a retry resumes after the last file done. The job's result is the per-file results and counts.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import Job
from jobs.runner import job_handler
from tools.activities.uploads import JOB_KIND, StagedFile, import_staged

_FILES = TypeAdapter(list[StagedFile])


@job_handler(JOB_KIND)
async def import_files(session: AsyncSession, job: Job) -> dict[str, Any]:
    if job.user_id is None:
        raise InvalidInput("An import job must belong to a user.")
    files = _FILES.validate_python(job.args.get("files", []))
    source = str(job.args.get("source") or "upload")
    result = await import_staged(job.id, job.user_id, files, job.progress, source=source)
    return result.model_dump(mode="json")
