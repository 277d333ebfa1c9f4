"""Job rows in PostgreSQL: the durable record of every background job (kind, args, state, attempts).

Redis carries the queue; this table is the truth. A job lost with a Redis restart is still `queued` here
and is re-enqueued by the `requeue_stale_jobs` maintenance task.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.models import Job


async def create_job(
    session: AsyncSession,
    kind: str,
    args: dict[str, Any],
    *,
    user_id: int | None,
    idempotency_key: str | None = None,
    max_attempts: int = 5,
) -> tuple[Job, bool]:
    """Insert a job row; with an idempotency key, return the existing job instead of a duplicate.

    Returns (job, created)."""
    if idempotency_key is not None:
        stmt = (
            insert(Job)
            .values(
                kind=kind,
                args=args,
                user_id=user_id,
                idempotency_key=idempotency_key,
                max_attempts=max_attempts,
            )
            .on_conflict_do_nothing(
                index_elements=["idempotency_key"], index_where=Job.idempotency_key.isnot(None)
            )
            .returning(Job.id)
        )
        new_id = (await session.execute(stmt)).scalar_one_or_none()
        if new_id is None:
            existing = (
                await session.execute(select(Job).where(Job.idempotency_key == idempotency_key))
            ).scalar_one()
            return existing, False
        return await session.get_one(Job, new_id), True
    job = Job(kind=kind, args=args, user_id=user_id, max_attempts=max_attempts, progress={})
    session.add(job)
    await session.flush()
    return job, True


async def get_job(session: AsyncSession, job_id: uuid.UUID, *, user_id: int | None = None) -> Job:
    job = await session.get(Job, job_id)
    if job is None or (user_id is not None and job.user_id != user_id):
        raise NotFound("No such job. It may belong to another account or have been removed.")
    return job


async def mark_running(session: AsyncSession, job_id: uuid.UUID) -> Job | None:
    """Claim a job for running; None if it already finished (a duplicate delivery)."""
    stmt = (
        update(Job)
        .where(Job.id == job_id, Job.state.in_(("queued", "running", "retrying")))
        .values(state="running", attempts=Job.attempts + 1, started_at=datetime.now(UTC), error=None)
        .returning(Job)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def mark_finished(
    session: AsyncSession,
    job_id: uuid.UUID,
    *,
    state: str,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    await session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(state=state, result=result, error=error, finished_at=datetime.now(UTC))
    )


async def set_progress(session: AsyncSession, job_id: uuid.UUID, **progress: Any) -> None:
    await session.execute(update(Job).where(Job.id == job_id).values(progress=progress))


async def mark_retrying(session: AsyncSession, job_id: uuid.UUID, *, error: str, delay_s: float) -> None:
    await session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(state="retrying", error=error, run_after=datetime.now(UTC) + timedelta(seconds=delay_s))
    )


async def requeue_finished(session: AsyncSession, job_id: uuid.UUID) -> bool:
    """Make a finished job runnable again (same row, so its recorded progress is reused). True if it was."""
    result = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state.in_(("failed", "succeeded")))
        .values(state="queued", attempts=0, error=None, run_after=None, finished_at=None)
        .returning(Job.id)
    )
    return result.scalar_one_or_none() is not None


async def unfinished_job(session: AsyncSession, user_id: int, kind: str, *, sha256: str) -> Job | None:
    """The user's newest unfinished job of this kind for the archive with this SHA-256 (to resume it)."""
    return (
        await session.execute(
            select(Job)
            .where(
                Job.user_id == user_id,
                Job.kind == kind,
                Job.state.in_(("queued", "running", "retrying")),
                Job.args["archive"]["sha256"].astext == sha256,
            )
            .order_by(Job.created_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def last_result(session: AsyncSession, user_id: int, kind: str) -> dict[str, Any] | None:
    """The result of the user's latest succeeded job of `kind`, if any."""
    return await session.scalar(
        select(Job.result)
        .where(Job.user_id == user_id, Job.kind == kind, Job.state == "succeeded")
        .order_by(Job.finished_at.desc())
        .limit(1)
    )


async def stale_job_ids(
    session: AsyncSession, now: datetime, *, stale_after: timedelta, limit: int = 500
) -> list[uuid.UUID]:
    """Queued jobs untouched for `stale_after` and retrying jobs whose retry time has come. Not scoped by
    user: the maintenance task re-enqueues every user's lost jobs."""
    rows = await session.scalars(
        select(Job.id)
        .where(
            or_(
                (Job.state == "queued") & (Job.updated_at < now - stale_after),
                (Job.state == "retrying") & (Job.run_after < now - timedelta(seconds=30)),
            )
        )
        .limit(limit)
    )
    return list(rows.all())


async def count_by_state(session: AsyncSession, states: tuple[str, ...]) -> dict[str, int]:
    """How many jobs are in each of `states`. Not scoped by user: the queue gauge counts every job."""
    rows = await session.execute(
        select(Job.state, func.count()).where(Job.state.in_(states)).group_by(Job.state)
    )
    # not `dict(result)`: a result has `keys()`, so dict() takes it for a mapping and fails
    return {state: count for state, count in rows.all()}
