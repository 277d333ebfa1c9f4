"""Push sync tests: Strava's webhook and Garmin's push endpoint, on the real app, PostgreSQL, Redis and
Taskiq worker, with the real stravalib / garminconnect clients against the local fakes.

- `serve(app)`: the app under a real uvicorn on loopback (lifespan off), for the calls Strava makes itself
  (the subscription handshake, event posts from `FakeStrava.push_event`).
- Users are committed (the worker runs jobs in its own sessions) and deleted afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import session_scope
from core.models import Activity, Job, User
from tests.api.conftest import Servers
from tests.fakes import FakeStrava
from tests.support.secret_audit import audit_secret
from tests.support.worker import running_worker
from tests.tools.garmin.helpers import committed_user, wait_for_job
from tests.tools.strava.helpers import strava_fake

VERIFY_TOKEN = "verify-8b1f0c2e5d"
PUSH_TOKEN = "garmin-push-5c9e2a7d41"
audit_secret(VERIFY_TOKEN)  # neither may reach a log line (the query string and header are not logged)
audit_secret(PUSH_TOKEN)
HANG_S = 30.0  # a bound on waiting for the server: a hang fails instead of blocking (not a timing check)


@pytest.fixture
def strava(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStrava]:
    with strava_fake(monkeypatch) as fake:
        yield fake


@pytest.fixture
async def worker(engine: AsyncEngine, redis: Redis) -> AsyncIterator[None]:
    async with running_worker():
        yield


@pytest.fixture
async def user(engine: AsyncEngine, redis: Redis) -> AsyncIterator[User]:
    async with committed_user() as user:
        yield user


@pytest.fixture
def webhook_settings() -> dict[str, Any]:
    return {"strava_webhook_verify_token": SecretStr(VERIFY_TOKEN)}


Serve = Callable[[FastAPI], Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """`await serve(app)` → the base URL of a real uvicorn serving `app` on a free loopback port."""
    servers = Servers()

    async def start(app: FastAPI) -> str:
        return await servers.start(app, lifespan="off")

    yield start
    await servers.close()


async def job(job_id: str, states: tuple[str, ...] = ("succeeded", "failed")) -> Job:
    """The job once it is in one of `states` (by default: finished)."""
    return await wait_for_job(uuid.UUID(job_id), states)


async def jobs_of(user_id: int, kind: str) -> list[Job]:
    async with session_scope() as session:
        rows = await session.execute(select(Job).where(Job.user_id == user_id, Job.kind == kind))
        return list(rows.scalars())


async def activities_of(user_id: int) -> list[Activity]:
    async with session_scope() as session:
        rows = await session.execute(
            select(Activity).where(Activity.user_id == user_id).order_by(Activity.id)
        )
        return list(rows.scalars())


async def count_with_strava_id(user_id: int, strava_id: int) -> int:
    async with session_scope() as session:
        found = await session.execute(
            select(func.count())
            .select_from(Activity)
            .where(Activity.user_id == user_id, Activity.strava_activity_id == strava_id)
        )
        return int(found.scalar_one())
