"""Background jobs as their owner sees them: state, progress and result (per file for an import)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CurrentUser, SessionDep
from api.errors import problem_responses
from core.models import Job
from core.queue.records import get_job as load_job
from tools.activities.importer import ImportResult

TAGS = [{"name": "jobs", "description": "Background jobs (imports, syncs): status and results"}]
router = APIRouter(prefix="/jobs", tags=["jobs"])


class JobProgress(BaseModel):
    phase: str | None = None
    done: int | None = None
    total: int | None = None


class JobOut(BaseModel):
    id: uuid.UUID
    kind: str = Field(description="e.g. activities.import, garmin.sync, strava.upload")
    state: str = Field(description="queued, running, retrying, succeeded, failed")
    attempts: int
    progress: JobProgress
    files: list[ImportResult] | None = Field(
        description="an import's per-file results so far: imported, already_imported, or rejected + reason"
    )
    result: dict[str, Any] | None = Field(description="what the job returned, once it succeeded")
    error: str | None = Field(description="why the job failed (or why the last attempt failed)")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def job_out(job: Job) -> JobOut:
    progress = job.progress or {}
    files = (job.result or {}).get("files", progress.get("files"))
    return JobOut(
        id=job.id,
        kind=job.kind,
        state=job.state,
        attempts=job.attempts,
        progress=JobProgress.model_validate(progress),
        files=[ImportResult.model_validate(f) for f in files] if isinstance(files, list) else None,
        result=job.result,
        error=job.error,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


@router.get(
    "/{job_id}",
    summary="Get a job's status",
    description="State, progress and results of one of your jobs. Someone else's job is a 404.",
    responses=problem_responses(404),
)
async def get_job(job_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> JobOut:
    return job_out(await load_job(session, job_id, user_id=user.id))
