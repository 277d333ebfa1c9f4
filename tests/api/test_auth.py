"""Accounts: register, sign in, me, sign out, profile, password change, session expiry."""

from __future__ import annotations

import asyncio
import time

import httpx
from argon2 import PasswordHasher
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import select

from core.database import session_scope
from core.models import User
from core.passwords import needs_rehash
from tests.api.conftest import (
    PASSWORD,
    SignUp,
    assert_problem,
    client_for,
    login,
    new_email,
    register,
)
from tools.account.auth import BAD_CREDENTIALS


async def _session_keys(redis: Redis) -> list[bytes]:
    return [key async for key in redis.scan_iter("runcoach:session:*")]


async def test_register_login_me_logout_then_me_is_401(client: httpx.AsyncClient) -> None:
    email = new_email()
    created = await register(client, email, display_name="Ada", timezone="Europe/Berlin")
    assert created.status_code == 201, created.text
    assert "password" not in created.text and "hash" not in created.text

    signed_in = await login(client, email.upper())  # emails are case-insensitive
    assert signed_in.status_code == 200, signed_in.text
    profile = signed_in.json()["user"]
    assert (
        profile["email"] == email and profile["timezone"] == "Europe/Berlin" and profile["units"] == "metric"
    )
    assert signed_in.json()["csrf_token"] == client.cookies["runcoach_csrf"]
    assert signed_in.headers["cache-control"] == "no-store"

    me = await client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["display_name"] == "Ada"

    session_cookie = client.cookies["runcoach_session"]
    out = await client.post("/api/v1/auth/logout")
    assert out.status_code == 204, out.text
    assert "runcoach_session" not in client.cookies
    assert_problem(await client.get("/api/v1/me"), 401, "unauthorized")

    # the session is ended server-side, not only forgotten by the browser
    replay = await client.get("/api/v1/me", headers={"Cookie": f"runcoach_session={session_cookie}"})
    body = assert_problem(replay, 401)
    assert "Sign in again" in body["detail"]
    assert replay.headers["www-authenticate"].startswith("Bearer")


async def test_logout_without_a_live_session_just_clears_cookies(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/logout", headers={"Cookie": "runcoach_session=stale"})
    assert response.status_code == 204
    assert any("runcoach_session=" in h and "Max-Age=0" in h for h in response.headers.get_list("set-cookie"))


async def test_wrong_password_and_unknown_email_get_the_same_useful_401(client: httpx.AsyncClient) -> None:
    email = new_email()
    await register(client, email)
    wrong = assert_problem(await login(client, email, "not the password"), 401, "unauthorized")
    unknown = assert_problem(await login(client, new_email("nobody")), 401, "unauthorized")
    assert wrong["detail"] == unknown["detail"] == BAD_CREDENTIALS
    assert "runcoach_session" not in client.cookies


async def test_register_rejects_duplicates_and_bad_input(client: httpx.AsyncClient) -> None:
    email = new_email()
    first = await register(client, email)
    again = await register(client, email.upper())  # neutral: the same answer, no 409 telling who is here
    assert first.status_code == again.status_code == 201 and again.json()["delivery"] == "server_log"

    invalid = assert_problem(await register(client, "not-an-email", "pw1234"), 422, "invalid_input")
    fields = {e["field"] for e in invalid["errors"]}
    assert fields == {"body.email", "body.password"}
    assert "pw1234" not in str(invalid)  # the password is never echoed
    tz = assert_problem(await register(client, new_email(), timezone="Mars/Olympus"), 422)
    assert tz["errors"][0]["field"] == "body.timezone" and "IANA" in tz["errors"][0]["message"]


async def test_login_rehashes_an_outdated_hash(client: httpx.AsyncClient) -> None:
    email = new_email()
    await register(client, email)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    async with session_scope() as session:
        user = (await session.scalars(select(User).where(User.email == email))).one()
        user.password_hash = weak
    assert needs_rehash(weak)

    assert (await login(client, email)).status_code == 200
    async with session_scope() as session:
        stored = (await session.scalars(select(User.password_hash).where(User.email == email))).one()
    assert stored != weak and stored is not None and not needs_rehash(stored)
    assert (await login(client, email)).status_code == 200


async def test_profile_patch_validates_and_persists(sign_up: SignUp) -> None:
    me = (await sign_up()).client
    changed = await me.patch(
        "/api/v1/me",
        json={
            "display_name": "  Eliud ",
            "timezone": "Africa/Nairobi",
            "units": "imperial",
            "sex": "male",
            "max_hr": 190,
            "resting_hr": 45,
            "lthr": 172,
        },
    )
    assert changed.status_code == 200, changed.text
    assert (await me.get("/api/v1/me")).json() | {} == changed.json()
    assert changed.json()["display_name"] == "Eliud" and changed.json()["units"] == "imperial"

    cleared = await me.patch("/api/v1/me", json={"sex": None, "display_name": None})
    assert cleared.json()["sex"] is None and cleared.json()["max_hr"] == 190  # absent fields untouched

    bad_tz = assert_problem(await me.patch("/api/v1/me", json={"timezone": "Berlin"}), 422)
    assert bad_tz["errors"][0]["field"] == "body.timezone"
    order = assert_problem(await me.patch("/api/v1/me", json={"lthr": 195}), 422, "invalid_input")
    assert "lthr (195) must be below max_hr (190)" in order["detail"]
    assert_problem(await me.patch("/api/v1/me", json={"timezone": None}), 422, "invalid_input")
    extra = assert_problem(await me.patch("/api/v1/me", json={"email": "x@y.z"}), 422)
    assert extra["errors"][0]["field"] == "body.email"
    range_ = assert_problem(await me.patch("/api/v1/me", json={"max_hr": 400, "sex": "x"}), 422)
    assert {e["field"] for e in range_["errors"]} == {"body.max_hr", "body.sex"}
    assert (await me.get("/api/v1/me")).json()["timezone"] == "Africa/Nairobi"  # failed requests rolled back


async def test_change_password_ends_the_other_sessions(app: FastAPI, sign_up: SignUp) -> None:
    here = await sign_up()
    async with client_for(app) as elsewhere:
        assert (await login(elsewhere, here.email)).status_code == 200
        token = (await here.client.post("/api/v1/tokens", json={"name": "script"})).json()["token"]
        assert (await elsewhere.get("/api/v1/me")).status_code == 200

        wrong = await here.client.post(
            "/api/v1/auth/password", json={"current_password": "nope", "new_password": "a brand new one"}
        )
        assert_problem(wrong, 403, "forbidden")
        assert (await elsewhere.get("/api/v1/me")).status_code == 200

        changed = await here.client.post(
            "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "a brand new one"}
        )
        assert changed.status_code == 204, changed.text
        assert (await here.client.get("/api/v1/me")).status_code == 200
        assert_problem(await elsewhere.get("/api/v1/me"), 401)
        bearer = await elsewhere.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert bearer.status_code == 200  # API tokens are separate credentials: revoke them separately

        assert_problem(await login(elsewhere, here.email, PASSWORD), 401)
        assert (await login(elsewhere, here.email, "a brand new one")).status_code == 200

    same = await here.client.post(
        "/api/v1/auth/password",
        json={"current_password": "a brand new one", "new_password": "a brand new one"},
    )
    assert_problem(same, 422, "invalid_input")


async def test_sessions_slide_and_expire(app_factory: type, redis: Redis) -> None:
    app = app_factory(session_idle_ttl_s=600, session_max_age_s=3600)
    async with client_for(app) as c:
        email = new_email()
        await register(c, email)
        await login(c, email)
        (key,) = await _session_keys(redis)
        assert 590 <= await redis.ttl(key) <= 600

        await redis.expire(key, 30)
        assert (await c.get("/api/v1/me")).status_code == 200
        assert await redis.ttl(key) > 590  # sliding: use pushes the idle expiry back

        await redis.hset(key, "created_at", f"{time.time() - 3601:.3f}")
        assert_problem(await c.get("/api/v1/me"), 401)  # absolute lifetime reached
        assert await redis.exists(key) == 0

        await login(c, email)
        (key,) = await _session_keys(redis)
        await redis.pexpire(key, 1)
        await asyncio.sleep(0.01)
        assert_problem(await c.get("/api/v1/me"), 401)  # idle expiry
