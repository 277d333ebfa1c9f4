"""The audit and progress of one sync with a provider: a `sync_runs` row and the job's done/total.

Both are written in their own small transactions as the sync goes, so a UI sees progress while the sync
runs and the record survives a sync that stops half way (status `failed`, with the reason in `errors`).
`last_run` and `running_job` read them back for the status tools (`garmin_status`, `strava_status`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import session_scope
from core.metrics import SYNC_ITEMS, SYNC_RUNS
from core.queue.records import set_progress
from tools.integrations.repository import SyncRuns, active_job

MAX_ERRORS_KEPT = 200
Outcome = Literal["imported", "skipped", "failed"]
#: how many of a run's problems a status shows
ERRORS_SHOWN = 5


class SyncRunOut(BaseModel):
    status: str
    started_at: datetime
    finished_at: datetime | None
    imported: int
    skipped: int
    failed: int
    health_days: int
    progress_done: int
    progress_total: int | None
    errors: list[dict[str, Any]] = Field(description="the first few problems (activity or day, and why)")


class RunningJobOut(BaseModel):
    job_id: str
    state: str
    progress: dict[str, Any]


async def last_run(session: AsyncSession, user_id: int, provider: str) -> SyncRunOut | None:
    """The user's most recent sync with `provider`, finished or not."""
    run = await SyncRuns(session, user_id).latest(provider)
    if run is None:
        return None
    return SyncRunOut(
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        imported=run.activities_imported,
        skipped=run.activities_skipped,
        failed=run.activities_failed,
        health_days=run.health_days,
        progress_done=run.progress_done,
        progress_total=run.progress_total,
        errors=list(run.errors or [])[:ERRORS_SHOWN],
    )


async def running_job(session: AsyncSession, user_id: int, kind: str) -> RunningJobOut | None:
    """The user's sync job of this kind that is queued, running or retrying now, if any."""
    job = await active_job(session, user_id, kind)
    if job is None:
        return None
    return RunningJobOut(job_id=str(job.id), state=job.state, progress=dict(job.progress or {}))


class SyncRunRecorder:
    """Counts, errors and progress of one run; `start()`, then `count()`/`error()`, then `finish()`."""

    def __init__(self, user_id: int, provider: str, job_id: uuid.UUID | None) -> None:
        self.user_id = user_id
        self.provider = provider
        self.job_id = job_id
        self.id = 0
        self.total = 0
        self.done = 0
        self.imported = self.skipped = self.failed = self.health_days = 0
        self.errors: list[dict[str, Any]] = []

    async def start(self) -> None:
        async with session_scope() as session:
            self.id = (await SyncRuns(session, self.user_id).start(self.provider)).id

    def error(self, **entry: Any) -> None:
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(entry)

    def count(self, outcome: Outcome) -> None:
        if outcome == "imported":
            self.imported += 1
        elif outcome == "skipped":
            self.skipped += 1
        else:
            self.failed += 1
        self.done += 1
        SYNC_ITEMS.labels(self.provider, outcome).inc()

    async def progress(self, phase: str) -> None:
        async with session_scope() as session:
            await SyncRuns(session, self.user_id).record(
                self.id,
                progress_done=self.done,
                progress_total=self.total,
                activities_imported=self.imported,
                activities_skipped=self.skipped,
                activities_failed=self.failed,
                health_days=self.health_days,
                errors=self.errors,
            )
            if self.job_id is not None:
                await set_progress(
                    session, self.job_id, done=self.done, total=self.total, phase=phase, sync_run_id=self.id
                )

    async def finish(self, status: Literal["succeeded", "partial", "failed"]) -> None:
        await self.progress("finished" if status != "failed" else "stopped")
        async with session_scope() as session:
            await SyncRuns(session, self.user_id).record(
                self.id, status=status, finished_at=datetime.now(UTC)
            )
        SYNC_RUNS.labels(self.provider, status).inc()

    @property
    def outcome_status(self) -> Literal["succeeded", "partial"]:
        return "partial" if self.failed or self.errors else "succeeded"
