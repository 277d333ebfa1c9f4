"""Rate limits: the GCRA limiter itself, sign-in limits per account and IP, the reusable dependency."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from api.deps import CurrentUser, rate_limit
from tests.api.conftest import (
    PASSWORD,
    SignUp,
    assert_problem,
    client_for,
    keep_web_last,
    login,
    new_email,
    register,
)
from tools.account import ratelimit
from tools.account.ratelimit import Rate, parse_rate


def test_parse_rate() -> None:
    assert parse_rate("5/minute") == Rate(5, 60)
    assert parse_rate("20/min") == Rate(20, 60)
    assert parse_rate("100 / 15 minutes") == Rate(100, 900)
    assert parse_rate("10/hour") == Rate(10, 3600)
    for bad in ("5", "five/minute", "5/fortnight", "0/minute"):
        with pytest.raises(ValueError):
            parse_rate(bad)


async def test_gcra_allows_the_burst_then_one_per_interval(redis: Redis) -> None:
    rate = Rate(5, 60)
    decisions = [await ratelimit.check(redis, "runcoach:rl:test:a", rate) for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert [d.remaining for d in decisions[:5]] == [4, 3, 2, 1, 0]
    assert 11 < decisions[5].retry_after_s <= 12  # one slot frees every 60/5 s
    assert 0 < await redis.pttl("runcoach:rl:test:a") <= 60_000
    assert (await ratelimit.check(redis, "runcoach:rl:test:b", rate)).allowed  # keys are independent


async def test_gcra_is_atomic_under_concurrency(redis: Redis) -> None:
    rate = Rate(10, 60)
    decisions = await asyncio.gather(*(ratelimit.check(redis, "runcoach:rl:test:c", rate) for _ in range(50)))
    assert sum(d.allowed for d in decisions) == 10


async def test_sixth_bad_login_in_a_minute_is_429_with_retry_after(sign_up: SignUp) -> None:
    account = await sign_up()
    c = account.client
    for _ in range(5):
        assert_problem(await login(c, account.email, "wrong password"), 401)
    limited = await login(c, account.email, "wrong password")
    body = assert_problem(limited, 429, "rate_limited")
    retry_after = int(limited.headers["retry-after"])
    assert 1 <= retry_after <= 12 and f"Wait {retry_after} second" in body["detail"]
    assert body["details"]["retry_after_s"] == retry_after
    # the right password does not get through the limit either (that is the point)
    assert_problem(await login(c, account.email, PASSWORD), 429)


async def test_a_successful_login_clears_the_account_count(sign_up: SignUp) -> None:
    account = await sign_up()  # sign_up itself signed in once
    for _ in range(4):
        await login(account.client, account.email, "wrong password")
    assert (await login(account.client, account.email)).status_code == 200
    for _ in range(5):
        assert_problem(await login(account.client, account.email, "wrong password"), 401)


async def test_login_attempts_are_limited_per_ip(app_factory: Callable[..., FastAPI]) -> None:
    app = app_factory(rate_limit_login_ip="3/minute")
    async with client_for(app, ip="203.0.113.7") as c, client_for(app, ip="198.51.100.1") as neighbour:
        for _ in range(3):
            assert_problem(await login(c, new_email(), "whatever"), 401)
        assert_problem(await login(c, new_email(), "whatever"), 429, "rate_limited")
        assert_problem(await login(neighbour, new_email(), "whatever"), 401)  # other addresses unaffected


async def test_register_is_limited_per_ip(app_factory: Callable[..., FastAPI]) -> None:
    app = app_factory(rate_limit_register_ip="2/hour")
    async with client_for(app, ip="203.0.113.9") as c:
        assert (await register(c, new_email())).status_code == 201
        assert (await register(c, new_email())).status_code == 201
        limited = await register(c, new_email())
        assert_problem(limited, 429, "rate_limited")
        assert 1790 <= int(limited.headers["retry-after"]) <= 1800


async def test_rate_limit_dependency_for_other_routes(app: FastAPI, sign_up: SignUp) -> None:
    @app.post(
        "/api/v1/_test/chat",
        summary="test",
        tags=["test"],
        dependencies=[rate_limit("chat", lambda s: "2/minute", message="You are sending messages too fast.")],
    )
    async def chat(user: CurrentUser) -> dict[str, int]:
        return {"user": user.id}

    keep_web_last(app)

    one, two = await sign_up(), await sign_up()
    assert (await one.client.post("/api/v1/_test/chat")).status_code == 200
    assert (await one.client.post("/api/v1/_test/chat")).status_code == 200
    body = assert_problem(await one.client.post("/api/v1/_test/chat"), 429, "rate_limited")
    assert body["detail"].startswith("You are sending messages too fast.")
    assert (await two.client.post("/api/v1/_test/chat")).status_code == 200  # per user
    async with client_for(app) as anonymous:
        assert_problem(await anonymous.post("/api/v1/_test/chat"), 401)  # per-user limits need a user
