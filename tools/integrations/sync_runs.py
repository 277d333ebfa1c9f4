"""The audit and progress of one sync with a provider: a `sync_runs` row and the job's done/total.

Both are written in their own small transactions as the sync goes, so a UI sees progress while the sync
runs and the record survives a sync that stops half way (status `failed`, with the reason in `errors`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import update

from core.database import session_scope
from core.metrics import SYNC_ITEMS, SYNC_RUNS
from core.models import SyncRun
from core.queue.records import set_progress

MAX_ERRORS_KEPT = 200
Outcome = Literal["imported", "skipped", "failed"]


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
            run = SyncRun(user_id=self.user_id, provider=self.provider, status="running", errors=[])
            session.add(run)
            await session.flush()
            self.id = run.id

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
            await session.execute(
                update(SyncRun)
                .where(SyncRun.id == self.id)
                .values(
                    progress_done=self.done,
                    progress_total=self.total,
                    activities_imported=self.imported,
                    activities_skipped=self.skipped,
                    activities_failed=self.failed,
                    health_days=self.health_days,
                    errors=self.errors,
                )
            )
            if self.job_id is not None:
                await set_progress(
                    session, self.job_id, done=self.done, total=self.total, phase=phase, sync_run_id=self.id
                )

    async def finish(self, status: Literal["succeeded", "partial", "failed"]) -> None:
        await self.progress("finished" if status != "failed" else "stopped")
        async with session_scope() as session:
            await session.execute(
                update(SyncRun)
                .where(SyncRun.id == self.id)
                .values(status=status, finished_at=datetime.now(UTC))
            )
        SYNC_RUNS.labels(self.provider, status).inc()

    @property
    def outcome_status(self) -> Literal["succeeded", "partial"]:
        return "partial" if self.failed or self.errors else "succeeded"
