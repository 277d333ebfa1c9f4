"""Garmin Connect jobs. Thin: the work is `tools.garmin.sync.run_garmin_sync`.

`garmin.sync` commits as it goes (each activity, each health day, progress and the sync_runs row are
their own small units of work) instead of once with the job's success: a sync can run for minutes, and
what it imported must survive a rate limit or a crash half way. It is idempotent, so a retry or a
duplicate delivery only skips what is already stored.

A sync started by a push notification (`trigger: "push"`) that finds another sync running waits for it
(retryable) instead of failing: the running one may have listed the activities before the pushed one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, InvalidInput, ServiceUnavailable
from core.models import Job
from jobs.runner import job_handler
from tools.garmin.sync import run_garmin_sync


@job_handler("garmin.sync")
async def garmin_sync(session: AsyncSession, job: Job) -> dict[str, Any]:
    if job.user_id is None:
        raise InvalidInput("A Garmin sync job must belong to a user.")
    days = job.args.get("days")
    try:
        result = await run_garmin_sync(
            job.user_id,
            job_id=job.id,
            days=int(days) if days is not None else None,
            full_history=bool(job.args.get("full_history", False)),
        )
    except Conflict as exc:
        if job.args.get("trigger") != "push":
            raise
        raise ServiceUnavailable("A Garmin sync is running for this account; this one follows it.") from exc
    return result.model_dump(mode="json")
