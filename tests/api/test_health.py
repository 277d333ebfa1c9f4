"""Liveness and readiness against the real database and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from core import redis as core_redis


@pytest.fixture
async def client(engine: AsyncEngine, redis: Redis) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_ready_when_database_migrations_and_redis_answer(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["checks"]["database"]["revision"] == body["checks"]["database"]["head"]
    assert body["checks"]["redis"]["ok"] is True


async def test_not_ready_when_redis_is_unreachable(client: httpx.AsyncClient, tmp_path: object) -> None:
    core_redis.use_redis(
        Redis.from_url("unix:///tmp/runcoach-no-such-redis.sock", socket_connect_timeout=0.5)
    )
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


async def test_openapi_and_metrics_are_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/v1/openapi.json")).json()
    assert spec["info"]["title"] == "RunCoach"
    metrics = await client.get("/metrics/")
    assert metrics.status_code == 200 and "python_info" in metrics.text
