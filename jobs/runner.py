"""Running jobs: one Taskiq task (`runcoach.run_job`) runs any job by its row in PostgreSQL.

A job kind is a handler `async def handler(session, job) -> dict` registered with `@job_handler("kind")`
in a module listed in `JOB_MODULES`. The handler's work and the job's success are committed together;
on failure everything the handler wrote is rolled back, the error is recorded, and a retryable error is
retried with exponential backoff up to `max_attempts`. A duplicate delivery of a finished job is a no-op.

Jobs are written and sent by `core.queue.outbox.enqueue` (after the caller's commit); this module runs them.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.database import session_scope
from core.errors import CoachError
from core.metrics import JOB_RUNS, JOB_SECONDS
from core.models import Job
from core.queue import records
from core.queue.outbox import JOB_KINDS, kick

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
        JOB_KINDS.add(kind)
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
