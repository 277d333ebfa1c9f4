"""Problem details for every kind of failure, and 503 (fast) when the database or Redis is away."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from api import deps
from core.errors import Conflict, NotFound
from tests.api.conftest import (
    SignUp,
    assert_problem,
    client_for,
    keep_web_last,
    login,
    new_email,
    register,
)

TestRoute = Callable[[str], Callable[[Callable[..., Any]], Callable[..., Any]]]


@pytest.fixture
def test_route(app: FastAPI) -> TestRoute:
    """Add a GET route to a built app, keeping the web app's catch-all mount (when built) last."""

    def register(path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            app.get(path, summary="test", tags=["test"])(fn)
            keep_web_last(app)
            return fn

        return decorate

    return register


async def test_unknown_route_and_wrong_method(client: httpx.AsyncClient) -> None:
    missing = assert_problem(await client.get("/api/v1/nothing-here"), 404, "not_found")
    assert missing["instance"] == "/api/v1/nothing-here" and "/api/docs" in missing["detail"]
    assert_problem(await client.delete("/api/v1/auth/login"), 405, "method_not_allowed")


async def test_validation_problem_lists_field_paths(client: httpx.AsyncClient) -> None:
    body = assert_problem(
        await client.post("/api/v1/auth/register", json={"password": 12, "extra": 1}), 422, "invalid_input"
    )
    fields = {e["field"]: e["type"] for e in body["errors"]}
    assert fields == {
        "body.email": "missing",
        "body.password": "string_type",
        "body.extra": "extra_forbidden",
    }
    assert "body.email" in body["detail"]
    broken = assert_problem(
        await client.post("/api/v1/auth/login", content=b"{", headers={"Content-Type": "application/json"}),
        422,
    )
    assert broken["errors"][0]["type"] == "json_invalid"
    path = assert_problem(await client.delete("/api/v1/tokens/abc"), 401)  # auth is checked before the path
    assert path["code"] == "unauthorized"


async def test_coach_errors_map_to_their_status(
    app: FastAPI, test_route: TestRoute, client: httpx.AsyncClient
) -> None:
    @test_route("/api/v1/_test/missing")
    async def missing() -> None:
        raise NotFound("No run 7 here. List your runs to find it.", details={"id": 7})

    body = assert_problem(await client.get("/api/v1/_test/missing"), 404, "not_found")
    assert body["detail"] == "No run 7 here. List your runs to find it." and body["details"] == {"id": 7}
    assert body["title"] == "Not Found"

    @test_route("/api/v1/_test/taken")
    async def taken() -> None:
        raise Conflict("That name is taken. Choose another.")

    assert_problem(await client.get("/api/v1/_test/taken"), 409, "conflict")


async def test_unhandled_errors_are_500_without_internals(
    app: FastAPI, test_route: TestRoute, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    @test_route("/api/v1/_test/boom")
    async def boom() -> None:
        raise RuntimeError("internal detail: table secret_stuff is corrupt")

    caplog.set_level(logging.ERROR, logger="api.errors")
    response = await client.get("/api/v1/_test/boom", headers={"X-Request-ID": "req-boom-1"})
    body = assert_problem(response, 500, "internal_error")
    assert "secret_stuff" not in response.text and "RuntimeError" not in response.text
    assert body["request_id"] == "req-boom-1" and "request id" in body["detail"]
    (record,) = [r for r in caplog.records if r.name == "api.errors"]
    assert record.exc_info and "secret_stuff" in str(record.exc_info[1])


async def test_database_errors_mid_request_are_503(
    app: FastAPI, test_route: TestRoute, client: httpx.AsyncClient
) -> None:
    @test_route("/api/v1/_test/db-dropped")
    async def dropped() -> None:
        raise sa_exc.OperationalError("SELECT 1", {}, ConnectionResetError("connection reset"))

    body = assert_problem(await client.get("/api/v1/_test/db-dropped"), 503, "service_unavailable")
    assert body["details"] == {"service": "database"}


async def test_503_fast_when_the_database_is_unreachable(
    app_factory: Callable[..., FastAPI], sign_up: SignUp
) -> None:
    account = await sign_up()
    token = (await account.client.post("/api/v1/tokens", json={"name": "t"})).json()["token"]

    dead = create_async_engine(
        "postgresql+asyncpg://postgres@127.0.0.1:1/postgres", connect_args={"timeout": 2}
    )
    app = app_factory()
    app.dependency_overrides[deps.get_sessionmaker] = lambda: async_sessionmaker(dead)
    try:
        async with client_for(app, headers={"Authorization": f"Bearer {token}"}) as c:
            started = time.perf_counter()
            for response in (await c.get("/api/v1/me"), await register(c, new_email())):
                body = assert_problem(response, 503, "service_unavailable")
                assert "database is not answering" in body["detail"]
                assert response.headers["retry-after"] == "5"
            assert time.perf_counter() - started < 2
            assert (await c.get("/healthz")).status_code == 200  # liveness does not need the database
    finally:
        await dead.dispose()


async def test_503_when_redis_is_unreachable(app: FastAPI, sign_up: SignUp) -> None:
    account = await sign_up()
    dead = Redis.from_url("unix:///tmp/runcoach-no-such-redis.sock", socket_connect_timeout=0.5)
    app.dependency_overrides[deps.get_redis] = lambda: dead
    try:
        body = assert_problem(await account.client.get("/api/v1/me"), 503, "service_unavailable")
        assert body["details"] == {"service": "redis"} and "Redis" in body["detail"]
        assert_problem(await login(account.client, account.email), 503)
    finally:
        await dead.aclose()


async def test_a_number_past_64_bits_reaching_the_driver_is_a_422(
    app: FastAPI, test_route: TestRoute, client: httpx.AsyncClient
) -> None:
    @test_route("/api/v1/_test/huge")
    async def huge(session: deps.SessionDep) -> None:
        await session.execute(text("SELECT CAST(:v AS bigint)"), {"v": 2**70})

    body = assert_problem(await client.get("/api/v1/_test/huge"), 422, "invalid_input")
    assert "outside the range" in body["detail"]
