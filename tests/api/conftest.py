"""API tests: the real app in-process (httpx ASGITransport) on the real PostgreSQL and Redis.

Data is *committed*, not rolled back: each request gets its own session from the app's own unit of work
(`SessionDep`), exactly as in production, so commit-on-success, rollback-on-error, the 503 when the
database is away, and "a change is visible to the next request" are all tested for real. Sharing the
`db` fixture's single session across requests would hide identity-map staleness and could not run two
requests at once. Isolation instead comes from unique emails under `@api-test.example.com` (every user
the tests create), deleted after each test (rows of other tables follow by ON DELETE CASCADE), and from
the `redis` fixture's flush.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import Mount

from api.app import create_app
from api.auth import CSRF_HEADER
from core import passwords
from core.models import User
from core.settings import Settings, get_settings
from tools.account.email_verification import make_token

EMAIL_DOMAIN = "api-test.example.com"
PASSWORD = "correct horse battery staple"
BASE_URL = "http://testserver"


def new_email(tag: str = "runner") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@{EMAIL_DOMAIN}"


def make_settings(**overrides: Any) -> Settings:
    return get_settings().model_copy(update=overrides)


def client_for(app: FastAPI, *, ip: str = "127.0.0.1", **kwargs: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL, **kwargs)


#: a bound on waiting for a real server to start or stop: a hang fails instead of blocking (no timing)
SERVER_HANG_S = 30.0


class Servers:
    """Real uvicorn servers for one test, each on a free loopback port; `close()` stops them all."""

    def __init__(self) -> None:
        self._running: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def start(self, app: FastAPI, **config: Any) -> str:
        """Serve `app` (uvicorn `config` options on top of quiet logs); its base URL once it answers."""
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, **config))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        self._running.append((server, task))

        async def started() -> None:
            while not server.started:
                assert not task.done(), "uvicorn did not start"
                await asyncio.sleep(0.01)

        await asyncio.wait_for(started(), SERVER_HANG_S)
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    async def close(self) -> None:
        for server, _ in self._running:
            server.should_exit = True
        for _, task in self._running:
            await asyncio.wait_for(task, SERVER_HANG_S)


@dataclass
class Account:
    """A signed-up user and a client signed in as them (cookies and the CSRF header set)."""

    email: str
    password: str
    client: httpx.AsyncClient
    user_id: int
    csrf: str

    @property
    def session_cookie(self) -> str:
        value = self.client.cookies.get("runcoach_session")
        assert value
        return value


async def register(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD, **fields: Any
) -> httpx.Response:
    return await client.post("/api/v1/auth/register", json={"email": email, "password": password, **fields})


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    if response.status_code == 200:
        client.headers[CSRF_HEADER] = response.json()["csrf_token"]
    return response


def assert_problem(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] == f"urn:runcoach:problem:{body['code']}"
    assert body["title"] and body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the production parameters costs ~0.1-0.7 s per hash on these 2 cores, and these tests
    sign in dozens of times: they test the flows, so use the same algorithm with minimal cost parameters
    (the rehash-on-login test still sees a parameter change)."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(autouse=True)
async def _delete_test_users(engine: AsyncEngine) -> AsyncIterator[None]:
    yield
    async with engine.begin() as conn:
        await conn.execute(
            text("DELETE FROM users WHERE email LIKE :pattern"), {"pattern": f"%@{EMAIL_DOMAIN}"}
        )


@pytest.fixture
def app_factory(engine: AsyncEngine, redis: Redis) -> Callable[..., FastAPI]:
    """`app_factory(**settings_overrides)` → a fresh app on the test database and Redis."""

    def make(**overrides: Any) -> FastAPI:
        return create_app(make_settings(**overrides))

    return make


@pytest.fixture
def app(app_factory: Callable[..., FastAPI]) -> FastAPI:
    return app_factory()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


SignUp = Callable[..., Awaitable[Account]]


@pytest.fixture
async def sign_up(app: FastAPI) -> AsyncIterator[SignUp]:
    """`await sign_up()` → a new account with a signed-in client on the default app."""
    clients: list[httpx.AsyncClient] = []

    async def make(*, email: str | None = None, password: str = PASSWORD, ip: str = "127.0.0.1") -> Account:
        email = email or new_email()
        c = client_for(app, ip=ip)
        clients.append(c)
        created = await register(c, email, password)
        assert created.status_code == 201, created.text
        signed_in = await login(c, email, password)
        assert signed_in.status_code == 200, signed_in.text
        return Account(email, password, c, signed_in.json()["user"]["id"], signed_in.json()["csrf_token"])

    yield make
    for c in clients:
        await c.aclose()


async def verify_email(account: Account, settings: Settings | None = None) -> None:
    """Confirm the account's address through the real endpoint, with the token its mail would carry."""
    token = make_token(settings or get_settings(), User(id=account.user_id, email=account.email))
    response = await account.client.post("/api/v1/auth/verify-email", json={"token": token})
    assert response.status_code == 200, response.text


def keep_web_last(app: FastAPI) -> None:
    """After a test adds routes to a built app: keep the web app's catch-all mount (when built) last."""
    app.router.routes.sort(key=lambda route: isinstance(route, Mount) and route.name == "web")
