"""Strava jobs. Thin: the work is in `tools.strava`.

- `strava.upload` (args: activity_id; idempotency key `strava.upload:<activity id>`): the link to the
  Strava activity commits with the job's success; the Strava upload id is committed on the job row as
  soon as Strava accepts the file, so a retry resumes polling instead of uploading again. A 429 is
  retried at Strava's next window (Retry-After when sent), a 5xx with backoff.
- `strava.sync` (args: days): imports activities, each committed on its own (see tools.strava.activities).
- `strava.activity` (args: activity_id; a webhook "create" event): the same import for that one activity.
  Its own kind, so a pushed activity never passes for the athlete's full import in `sync_strava`.
- `strava.check_access` (a webhook "authorized: false" event, which is unsigned): ask Strava whether our
  token still works; only its refusal marks the connection.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import Job
from jobs.runner import job_handler
from tools.integrations.push.strava_events import ACCESS_JOB, check_access
from tools.strava.activities import run_strava_activity_import, run_strava_import
from tools.strava.policy import API_IMPORT_OFF, api_import_enabled
from tools.strava.upload import upload_activity_to_strava


def _user(job: Job) -> int:
    if job.user_id is None:
        raise InvalidInput(f"A {job.kind} job must belong to a user.")
    return job.user_id


@job_handler("strava.upload")
async def strava_upload(session: AsyncSession, job: Job) -> dict[str, Any]:
    upload_id = (job.progress or {}).get("upload_id")
    result = await upload_activity_to_strava(
        session,
        _user(job),
        int(job.args["activity_id"]),
        job_id=job.id,
        upload_id=int(upload_id) if upload_id is not None else None,
    )
    return result.model_dump(mode="json")


@job_handler("strava.sync")
async def strava_sync(session: AsyncSession, job: Job) -> dict[str, Any]:
    if not api_import_enabled():  # queued before the operator turned it off, or by the scheduler
        return {"skipped": API_IMPORT_OFF}
    days = job.args.get("days")
    result = await run_strava_import(_user(job), job_id=job.id, days=int(days) if days is not None else None)
    return result.model_dump(mode="json")


@job_handler("strava.activity")
async def strava_activity(session: AsyncSession, job: Job) -> dict[str, Any]:
    if not api_import_enabled():  # a webhook "create" event: nothing is fetched from the API
        return {"skipped": API_IMPORT_OFF}
    result = await run_strava_activity_import(_user(job), int(job.args["activity_id"]), job_id=job.id)
    return result.model_dump(mode="json")


@job_handler(ACCESS_JOB)
async def strava_check_access(session: AsyncSession, job: Job) -> dict[str, Any]:
    return await check_access(_user(job))
