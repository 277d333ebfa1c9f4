"""The audit and progress of one sync with a provider: a `sync_runs` row and the job's done/total.

Both are written in their own small transactions as the sync goes, so a UI sees progress while the sync
runs and the record survives a sync that stops half way (status `failed`, with the reason in `errors`).
`connection_summary` reads them back, with the connection's state, for the status tools (`garmin_status`,
`strava_status`), so both say the same things the same way.
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
from tools.integrations.credentials import NEEDS_REAUTH, PROVIDER_NAMES, Provider, get_integration
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


class ConnectionSummary(BaseModel):
    """What every provider's status tool says: its own output adds the provider's account details."""

    connected: bool
    status: str = Field(description="connected | needs_reauth | not_connected")
    last_sync_at: datetime | None = None
    message: str
    last_run: SyncRunOut | None = None
    running_job: RunningJobOut | None = None


async def connection_summary(
    session: AsyncSession, user_id: int, provider: Provider, *, job_kind: str, reauth_message: str
) -> tuple[ConnectionSummary, dict[str, Any]]:
    """The user's connection with `provider` as the status tools show it, and the connection's settings
    (empty when not connected). `reauth_message`: what to say when it must be connected again and the
    provider's refusal left no message of its own."""
    name = PROVIDER_NAMES[provider]
    integration = await get_integration(session, user_id, provider)
    if integration is None or integration.credentials_encrypted is None:
        message = f"{name} is not connected; the athlete can connect it in Settings."
        return ConnectionSummary(connected=False, status="not_connected", message=message), {}
    settings = dict(integration.settings or {})
    needs_reauth = integration.status == NEEDS_REAUTH
    fallback = reauth_message if needs_reauth else f"Connected to {name}."
    summary = ConnectionSummary(
        connected=not needs_reauth,
        status=integration.status,
        last_sync_at=integration.last_sync_at,
        message=settings.get("status_message") or fallback,
        last_run=await last_run(session, user_id, provider),
        running_job=await running_job(session, user_id, job_kind),
    )
    return summary, settings
