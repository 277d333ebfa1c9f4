"""Sending jobs after commit (an outbox): `enqueue` writes the job row in the caller's transaction and never
commits it; the row's id waits in the session until that transaction commits, then goes to the broker. A
unit of work that rolls back (a failed request, a chat turn that errors) leaves no row and sends nothing. A
message lost between the commit and the broker is found by the maintenance sweep (the row is `queued`).

The domain enqueues by kind, without importing what runs the job: the broker message names the one task
(`RUN_JOB_TASK`) and carries the row's id; the worker (`jobs/`) finds the kind's handler.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.util import await_
from taskiq.kicker import AsyncKicker

from core.models import Job
from core.queue import records
from core.queue.broker import RUN_JOB_TASK, get_broker

log = logging.getLogger(__name__)

#: every kind of job the worker runs: `jobs.tasks` registers one handler for each (tests/jobs/test_runner.py
#: checks the two agree)
DECLARED_KINDS = frozenset(
    {
        "activities.import",
        "activities.import_archive",
        "garmin.health_backfill",
        "garmin.sync",
        "originals.forget",
        "proactive.message",
        "strava.activity",
        "strava.check_access",
        "strava.sync",
        "strava.upload",
    }
)
#: what `enqueue` accepts: the declared kinds and any other a handler was registered for (as tests do)
JOB_KINDS: set[str] = set(DECLARED_KINDS)

OUTBOX = "runcoach.jobs.outbox"


async def kick(job_id: uuid.UUID) -> None:
    """Send one job row to the broker now (the worker's retry and the sweep; everyone else enqueues)."""
    kicker: AsyncKicker[[str], Any] = AsyncKicker(task_name=RUN_JOB_TASK, broker=get_broker(), labels={})
    await kicker.kiq(str(job_id))


async def enqueue(
    session: AsyncSession,
    kind: str,
    args: dict[str, Any],
    *,
    user_id: int | None,
    idempotency_key: str | None = None,
    max_attempts: int = 5,
) -> Job:
    """Record a job in the caller's transaction; it is sent to the broker once that transaction commits
    (never, if it rolls back). Commits nothing: the caller's unit of work does."""
    if kind not in JOB_KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    job, created = await records.create_job(
        session, kind, args, user_id=user_id, idempotency_key=idempotency_key, max_attempts=max_attempts
    )
    if created:
        send_after_commit(session, job.id)
    return job


def send_after_commit(session: AsyncSession, job_id: uuid.UUID) -> None:
    """Queue `job_id` for the broker when the session's transaction commits (kept with the savepoint it was
    written in: rolling that savepoint back drops it)."""
    sync = session.sync_session
    sync.info.setdefault(OUTBOX, []).append((sync.get_nested_transaction(), job_id))


@event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    """Hand the committed jobs to the broker inside the commit (through SQLAlchemy's greenlet bridge, as
    `tools.account.versions` bumps versions), so a unit of work ends with its jobs sent."""
    if session.get_nested_transaction() is not None:  # a savepoint was released: the unit of work goes on
        return
    waiting: list[tuple[Any, uuid.UUID]] = session.info.pop(OUTBOX, [])
    for _, job_id in waiting:
        try:
            await_(kick(job_id))
        except Exception:  # the row is committed and queued: the maintenance sweep sends it
            log.exception("could not send job %s to the broker; the maintenance sweep will", job_id)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """A rolled-back transaction takes its job rows with it: forget the jobs written inside it."""
    waiting: list[tuple[Any, uuid.UUID]] | None = session.info.get(OUTBOX)
    if not waiting:
        return
    if previous.parent is None:
        session.info.pop(OUTBOX, None)
        return

    def inside(transaction: SessionTransaction | None) -> bool:
        while transaction is not None:
            if transaction is previous:
                return True
            transaction = transaction.parent
        return False

    session.info[OUTBOX] = [(t, job_id) for t, job_id in waiting if not inside(t)]
