"""Jobs through a real Taskiq worker on the real Redis, with their durable rows in PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.database import session_scope
from core.errors import InvalidInput, ServiceUnavailable
from core.models import Job
from core.queue.outbox import enqueue
from jobs.runner import job_handler, run_job
from tests.support.worker import running_worker

calls: dict[str, int] = {}


@job_handler("test.echo")
async def echo(session: AsyncSession, job: Job) -> dict[str, Any]:
    calls[job.args["key"]] = calls.get(job.args["key"], 0) + 1
    return {"echo": job.args["value"]}


@job_handler("test.flaky")
async def flaky(session: AsyncSession, job: Job) -> dict[str, Any]:
    calls[job.args["key"]] = calls.get(job.args["key"], 0) + 1
    if job.attempts == 1:
        raise ServiceUnavailable("Garmin is not answering (test); retrying")
    return {"attempt": job.attempts}


@job_handler("test.invalid")
async def invalid(session: AsyncSession, job: Job) -> dict[str, Any]:
    raise InvalidInput("This file is not a FIT activity (test).")


@pytest.fixture
async def worker(engine: AsyncEngine, redis: Redis) -> AsyncIterator[None]:
    async with running_worker():
        yield
    async with session_scope() as session:
        await session.execute(delete(Job).where(Job.kind.like("test.%")))


async def _wait_for(job_id: uuid.UUID, states: tuple[str, ...], within_s: float = 15) -> Job:
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        async with session_scope() as session:
            job = await session.get_one(Job, job_id)
        if job.state in states:
            return job
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"job stayed {job.state}")
        await asyncio.sleep(0.05)


async def test_a_job_runs_on_the_worker_and_its_result_is_stored(worker: None) -> None:
    key = uuid.uuid4().hex
    async with session_scope() as session:
        job = await enqueue(session, "test.echo", {"key": key, "value": 42}, user_id=None)
    done = await _wait_for(job.id, ("succeeded", "failed"))
    assert (done.state, done.result, done.attempts) == ("succeeded", {"echo": 42}, 1)
    assert calls[key] == 1


async def test_retryable_failures_are_retried_with_backoff(worker: None) -> None:
    key = uuid.uuid4().hex
    async with session_scope() as session:
        job = await enqueue(session, "test.flaky", {"key": key}, user_id=None)
    retrying = await _wait_for(job.id, ("retrying", "succeeded"))
    assert retrying.state == "retrying" and "not answering" in (retrying.error or "")
    done = await _wait_for(job.id, ("succeeded", "failed"))
    assert (done.state, done.attempts, done.result) == ("succeeded", 2, {"attempt": 2})
    assert calls[key] == 2


async def test_a_clear_user_error_fails_at_once_with_its_message(worker: None) -> None:
    async with session_scope() as session:
        job = await enqueue(session, "test.invalid", {}, user_id=None)
    done = await _wait_for(job.id, ("succeeded", "failed"))
    assert (done.state, done.attempts) == ("failed", 1)
    assert done.error == "This file is not a FIT activity (test)."


async def test_idempotency_key_and_duplicate_delivery_run_the_work_once(worker: None) -> None:
    key = uuid.uuid4().hex
    async with session_scope() as session:
        first = await enqueue(
            session, "test.echo", {"key": key, "value": 1}, user_id=None, idempotency_key=key
        )
    async with session_scope() as session:
        second = await enqueue(
            session, "test.echo", {"key": key, "value": 1}, user_id=None, idempotency_key=key
        )
    assert first.id == second.id
    await _wait_for(first.id, ("succeeded",))
    assert await run_job(str(first.id)) is None  # a redelivered message for a finished job
    assert calls[key] == 1


def test_every_declared_kind_has_a_handler_and_every_handler_is_declared() -> None:
    """The domain enqueues kinds it cannot import the handlers of (they live in the layer above): the
    declared list and the registered handlers must name the same kinds, or a job would be refused or lost."""
    from core.queue.outbox import DECLARED_KINDS
    from jobs.runner import JOB_MODULES, handlers

    registered = {kind for kind, fn in handlers().items() if fn.__module__ in JOB_MODULES}
    assert registered == set(DECLARED_KINDS)


async def test_an_undeclared_kind_is_refused(db: AsyncSession) -> None:
    with pytest.raises(ValueError, match=r"unknown job kind 'no\.such\.kind'"):
        await enqueue(db, "no.such.kind", {}, user_id=None)
