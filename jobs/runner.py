"""Running jobs: one Taskiq task (`runcoach.run_job`) runs any job by its row in PostgreSQL.

A job kind is a handler `async def handler(session, job) -> dict` registered with `@job_handler("kind")`
in a module listed in `JOB_MODULES`. The handler's work and the job's success are committed together;
on failure everything the handler wrote is rolled back, the error is recorded, and a retryable error is
retried with exponential backoff up to `max_attempts`. A duplicate delivery of a finished job is a no-op.

Jobs are sent after commit (an outbox): `enqueue` writes the job row in the caller's transaction and never
commits it; the row's id waits in the session until that transaction commits, then goes to the broker. A
unit of work that rolls back (a failed request, a chat turn that errors) leaves no row and sends nothing.
A message lost between the commit and the broker is found by the maintenance sweep (the row is `queued`).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.util import await_

from core.database import session_scope
from core.errors import CoachError
from core.metrics import JOB_RUNS, JOB_SECONDS
from core.models import Job
from jobs import records

log = logging.getLogger(__name__)

#: modules whose `@job_handler`s the worker knows
JOB_MODULES: tuple[str, ...] = (
    "jobs.tasks.maintenance",
    "jobs.tasks.garmin",
    "jobs.tasks.strava",
    "jobs.tasks.imports",
    "jobs.tasks.originals",
    "jobs.tasks.proactive",
)

Handler = Callable[[AsyncSession, Job], Awaitable[dict[str, Any]]]
_HANDLERS: dict[str, Handler] = {}
_loaded = False
_background: set[asyncio.Task[None]] = set()


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return register


def handlers() -> dict[str, Handler]:
    global _loaded
    if not _loaded:
        for module in JOB_MODULES:
            importlib.import_module(module)
        _loaded = True
    return _HANDLERS


def backoff_s(attempt: int, *, base: float = 2.0, cap: float = 300.0) -> float:
    return min(cap, base * 2 ** max(0, attempt - 1))


async def kick(job_id: uuid.UUID) -> None:
    from jobs.broker import get_broker

    broker = get_broker()
    task = broker.find_task("runcoach.run_job")
    assert task is not None
    await task.kiq(str(job_id))


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
    if kind not in handlers():
        raise ValueError(f"unknown job kind {kind!r}")
    job, created = await records.create_job(
        session, kind, args, user_id=user_id, idempotency_key=idempotency_key, max_attempts=max_attempts
    )
    if created:
        send_after_commit(session, job.id)
    return job


OUTBOX = "runcoach.jobs.outbox"


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


async def run_job(job_id: str) -> dict[str, Any] | None:
    """The Taskiq task body. Returns the job's result (also stored on the row)."""
    jid = uuid.UUID(job_id)
    async with session_scope() as session:
        job = await records.mark_running(session, jid)
    if job is None:
        log.info("job %s already finished; ignoring a duplicate delivery", jid)
        return None
    handler = handlers().get(job.kind)
    if handler is None:
        async with session_scope() as session:
            await records.mark_finished(session, jid, state="failed", error=f"unknown job kind {job.kind}")
        return None
    started = time.perf_counter()
    try:
        async with session_scope() as session:
            result = await handler(session, job)
            await records.mark_finished(session, jid, state="succeeded", result=result)
        JOB_RUNS.labels(job.kind, "succeeded").inc()
        return result
    except Exception as exc:
        retryable = not isinstance(exc, CoachError) or exc.retryable
        message = exc.message if isinstance(exc, CoachError) else f"{type(exc).__name__}: {exc}"
        final = not retryable or job.attempts >= job.max_attempts
        delay = getattr(exc, "retry_after_s", None) or backoff_s(job.attempts)
        async with session_scope() as session:
            if final:
                await records.mark_finished(session, jid, state="failed", error=message)
            else:
                await records.mark_retrying(session, jid, error=message, delay_s=delay)
        JOB_RUNS.labels(job.kind, "failed" if final else "retrying").inc()
        log.warning(
            "job %s (%s) attempt %s failed: %s%s",
            jid,
            job.kind,
            job.attempts,
            message,
            "" if final else f"; retrying in {delay:.0f}s",
        )
        if not final:
            task = asyncio.create_task(_kick_later(jid, delay))
            _background.add(task)
            task.add_done_callback(_background.discard)
        return None
    finally:
        JOB_SECONDS.labels(job.kind).observe(time.perf_counter() - started)


async def _kick_later(job_id: uuid.UUID, delay: float) -> None:
    await asyncio.sleep(delay)
    try:
        await kick(job_id)
    except Exception:  # the maintenance sweep re-enqueues it
        log.exception("could not re-queue job %s; the maintenance sweep will", job_id)
