"""Garmin Connect jobs. Thin: the work is `tools.garmin.sync.run_garmin_sync`.

`garmin.sync` commits as it goes (each activity, each health day, progress and the sync_runs row are
their own small units of work) instead of once with the job's success: a sync can run for minutes, and
what it imported must survive a rate limit or a crash half way. It is idempotent, so a retry or a
duplicate delivery only skips what is already stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import Job
from jobs.runner import job_handler
from tools.garmin.sync import run_garmin_sync


@job_handler("garmin.sync")
async def garmin_sync(session: AsyncSession, job: Job) -> dict[str, Any]:
    if job.user_id is None:
        raise InvalidInput("A Garmin sync job must belong to a user.")
    days = job.args.get("days")
    result = await run_garmin_sync(
        job.user_id,
        job_id=job.id,
        days=int(days) if days is not None else None,
        full_history=bool(job.args.get("full_history", False)),
    )
    return result.model_dump(mode="json")
