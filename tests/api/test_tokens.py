"""Personal API tokens: shown once, listed without secrets, revoked at once, isolated per user."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import select, update

from core.database import session_scope
from core.models import ApiToken
from tests.api.conftest import SignUp, assert_problem, client_for
from tests.api.isolation import assert_hidden_from, assert_same_as_missing


async def _token_row(token_id: int) -> ApiToken:
    async with session_scope() as session:
        return (await session.scalars(select(ApiToken).where(ApiToken.id == token_id))).one()


async def test_create_list_use_revoke(app: FastAPI, sign_up: SignUp) -> None:
    account = await sign_up()
    created = await account.client.post("/api/v1/tokens", json={"name": "laptop", "expires_in_days": 30})
    assert created.status_code == 201, created.text
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    token = body["token"]
    assert re.fullmatch(r"rc_[0-9a-f]{8}_[0-9A-Za-z]{43}", token)
    assert token.startswith(body["prefix"] + "_")
    assert body["expires_at"] is not None and body["last_used_at"] is None

    listed = await account.client.get("/api/v1/tokens")
    assert [t["id"] for t in listed.json()] == [body["id"]]
    assert "token" not in listed.json()[0] and token.split("_")[2] not in listed.text
    row = await _token_row(body["id"])
    assert token not in (row.token_hash, row.prefix) and len(row.token_hash) == 64

    async with client_for(app, headers={"Authorization": f"Bearer {token}"}) as bearer:
        me = await bearer.get("/api/v1/me")
        assert me.status_code == 200 and me.json()["email"] == account.email

        revoked = await account.client.delete(f"/api/v1/tokens/{body['id']}")
        assert revoked.status_code == 204, revoked.text
        assert_problem(await bearer.get("/api/v1/me"), 401, "unauthorized")
        assert (await account.client.get("/api/v1/tokens")).json() == []
        assert_problem(await account.client.delete(f"/api/v1/tokens/{body['id']}"), 404, "not_found")


async def test_expired_tokens_stop_working(app: FastAPI, sign_up: SignUp) -> None:
    account = await sign_up()
    body = (await account.client.post("/api/v1/tokens", json={"name": "short", "expires_in_days": 1})).json()
    async with session_scope() as session:
        await session.execute(
            update(ApiToken)
            .where(ApiToken.id == body["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    async with client_for(app, headers={"Authorization": f"Bearer {body['token']}"}) as bearer:
        assert_problem(await bearer.get("/api/v1/me"), 401)


async def test_last_used_is_written_at_most_once_a_minute(app: FastAPI, sign_up: SignUp) -> None:
    account = await sign_up()
    body = (await account.client.post("/api/v1/tokens", json={"name": "cron"})).json()
    async with client_for(app, headers={"Authorization": f"Bearer {body['token']}"}) as bearer:
        await bearer.get("/api/v1/me")
        first = (await _token_row(body["id"])).last_used_at
        assert first is not None and datetime.now(UTC) - first < timedelta(seconds=10)
        await bearer.get("/api/v1/me")
        assert (await _token_row(body["id"])).last_used_at == first

        two_minutes_ago = datetime.now(UTC) - timedelta(minutes=2)
        async with session_scope() as session:
            await session.execute(
                update(ApiToken).where(ApiToken.id == body["id"]).values(last_used_at=two_minutes_ago)
            )
        await bearer.get("/api/v1/me")
        latest = (await _token_row(body["id"])).last_used_at
        assert latest is not None and latest > two_minutes_ago + timedelta(seconds=60)


async def test_another_users_token_is_a_404_not_a_403(app: FastAPI, sign_up: SignUp) -> None:
    owner, other = await sign_up(), await sign_up()
    body = (await owner.client.post("/api/v1/tokens", json={"name": "owner's secret name"})).json()

    await assert_hidden_from(
        other.client, "DELETE", f"/api/v1/tokens/{body['id']}", leaks=["owner's secret name"]
    )
    await assert_same_as_missing(
        other.client, "DELETE", f"/api/v1/tokens/{body['id']}", f"/api/v1/tokens/{body['id'] + 10_000_000}"
    )
    assert (await other.client.get("/api/v1/tokens")).json() == []
    async with client_for(app, headers={"Authorization": f"Bearer {body['token']}"}) as bearer:
        assert (await bearer.get("/api/v1/me")).json()[
            "email"
        ] == owner.email  # still the owner's, still live


async def test_token_limit_is_a_409(app_factory: Callable[..., FastAPI]) -> None:
    app = app_factory(max_api_tokens_per_user=2)
    from tests.api.conftest import login, new_email, register

    async with client_for(app) as c:
        email = new_email()
        await register(c, email)
        await login(c, email)
        for name in ("a", "b"):
            assert (await c.post("/api/v1/tokens", json={"name": name})).status_code == 201
        problem = assert_problem(await c.post("/api/v1/tokens", json={"name": "c"}), 409, "conflict")
        assert "Revoke one" in problem["detail"]


async def test_a_token_cannot_mint_tokens_and_revoking_it_leaves_none_behind(
    app: FastAPI, sign_up: SignUp
) -> None:
    """Before: a personal token could create tokens, and revoking it left those working."""
    account = await sign_up()
    body = (await account.client.post("/api/v1/tokens", json={"name": "script"})).json()
    async with client_for(app, headers={"Authorization": f"Bearer {body['token']}"}) as bearer:
        refused = assert_problem(await bearer.post("/api/v1/tokens", json={"name": "copy"}), 403, "forbidden")
        assert "cannot create tokens" in refused["detail"]
        listed = (await bearer.get("/api/v1/tokens")).json()
        assert [t["id"] for t in listed] == [body["id"]], "nothing was created"
        assert (await bearer.delete(f"/api/v1/tokens/{body['id']}")).status_code == 204  # it may end itself
        assert_problem(await bearer.get("/api/v1/me"), 401)
    remaining = (await account.client.get("/api/v1/tokens")).json()
    assert remaining == [], "revoking the token left no token it made"
