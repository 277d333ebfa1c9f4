"""The maintenance sweep (`runcoach.requeue_stale_jobs`), run as the scheduler runs it, on the real PostgreSQL
and Redis: a queued job whose queue message was lost is queued again and then runs on a real worker, and the
jobs gauge is set from the table."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.database import session_scope
from core.metrics import JOB_QUEUE
from core.models import Job
from core.queue import records
from jobs import broker as job_broker
from jobs.runner import job_handler
from jobs.tasks.maintenance import UNFINISHED
from tests.support.worker import running_worker

ran: dict[str, int] = {}


@job_handler("test.maintenance")
async def remember(session: AsyncSession, job: Job) -> dict[str, Any]:
    ran[job.args["key"]] = ran.get(job.args["key"], 0) + 1
    return {"ran": True}


@pytest.fixture
async def worker(engine: AsyncEngine, redis: Redis) -> AsyncIterator[None]:
    async with running_worker():
        yield
    async with session_scope() as session:
        await session.execute(delete(Job).where(Job.kind == "test.maintenance"))


async def _lost_job(key: str) -> uuid.UUID:
    """A job row queued six minutes ago whose message never reached the queue (a Redis restart lost it)."""
    async with session_scope() as session:
        job, _ = await records.create_job(session, "test.maintenance", {"key": key}, user_id=None)
        await session.execute(
            update(Job).where(Job.id == job.id).values(updated_at=datetime.now(UTC) - timedelta(minutes=6))
        )
    return job.id


async def _state(job_id: uuid.UUID, wanted: str, within_s: float = 15) -> str:
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        async with session_scope() as session:
            state = (await session.get_one(Job, job_id)).state
        if state == wanted or asyncio.get_running_loop().time() > deadline:
            return state
        await asyncio.sleep(0.05)


async def test_the_sweep_requeues_a_lost_job_and_sets_the_gauge(worker: None) -> None:
    key = uuid.uuid4().hex
    job_id = await _lost_job(key)
    for state in UNFINISHED:
        JOB_QUEUE.labels(state).set(-1)

    sweep = job_broker.get_broker().find_task("runcoach.requeue_stale_jobs")
    assert sweep is not None, "the scheduler's task is registered"
    result = await sweep.original_func()

    assert result["requeued"] >= 1
    assert await _state(job_id, "succeeded") == "succeeded"
    assert ran[key] == 1
    queued = REGISTRY.get_sample_value("runcoach_jobs", {"state": "queued"})
    assert queued is not None and queued >= 1, "counted while it was still queued"
    for state in ("running", "retrying"):
        value = REGISTRY.get_sample_value("runcoach_jobs", {"state": state})
        assert value is not None and value >= 0, f"the {state} gauge was set"
