"""Fixtures of the job tests: a running worker (real Taskiq over the test Redis) and a committed athlete."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from core.models import User
from tests.support.worker import running_worker
from tests.tools.garmin.helpers import committed_user


@pytest.fixture
async def worker(engine: AsyncEngine, redis: Redis) -> AsyncIterator[None]:
    """A worker running the real job code for the length of the test."""
    async with running_worker():
        yield


@pytest.fixture
async def user(worker: None) -> AsyncIterator[User]:
    """A committed athlete, with the worker running (their jobs run while the test waits)."""
    async with committed_user() as user:
        yield user
