"""Maintenance: re-enqueue jobs whose queue message was lost (a Redis restart) or whose retry is due, and
set the job queue gauge (`runcoach_jobs`) from the jobs table."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from core.database import session_scope
from core.metrics import JOB_QUEUE
from core.queue.records import count_by_state, stale_job_ids

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=5)
UNFINISHED = ("queued", "running", "retrying")


async def requeue_stale_jobs() -> dict[str, Any]:
    """Queued/retrying jobs untouched for STALE_AFTER (or whose retry time has come) are queued again.

    Running jobs are not touched: an unacknowledged Taskiq message is redelivered by the broker itself
    once its visibility timeout passes. A job queued twice is harmless: `mark_running` lets only
    unfinished jobs run and handlers are idempotent."""
    from core.queue.outbox import kick

    now = datetime.now(UTC)
    async with session_scope() as session:
        rows = await stale_job_ids(session, now, stale_after=STALE_AFTER)
        waiting = await count_by_state(session, UNFINISHED)
    for state in UNFINISHED:
        JOB_QUEUE.labels(state).set(waiting.get(state, 0))
    for job_id in rows:
        await kick(job_id)
    if rows:
        log.info("re-enqueued %d stale jobs", len(rows))
    return {"requeued": len(rows)}
