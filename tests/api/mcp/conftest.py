"""MCP tests: the real MCP server (`api.mcp`) served by uvicorn on loopback, reached with the SDK's client.

- `mcp_url`: the streamable HTTP app on a free loopback port, in this test's event loop, lifespan included.
- `athlete`: a committed user with a personal API token and a real FIT file imported (shared data).
- `connect(url, token)`: the SDK's `Client` over streamable HTTP with `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

import httpx2
import pytest
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from api.mcp.http import create_mcp_app
from core import database
from core import redis as core_redis
from core.database import session_scope
from tests.api.conftest import make_settings, new_email
from tests.api.resources.conftest import _delete_leftovers
from tests.support.shared_data import require
from tools.account.tokens import NewToken, create_token
from tools.account.users import create_user
from tools.activities.importer import import_fit

#: a bound on waiting for the server: a hang fails the test instead of blocking the suite (not a timing check)
HANG_S = 30.0
RUN_FIT = "fitdecode/tests/files/2013-02-06-12-11-14.fit"

__all__ = ["_delete_leftovers"]  # samples have no FK cascade: the resource tests' clean-up removes them


@dataclass(frozen=True)
class Athlete:
    user_id: int
    email: str
    token: str
    activity_id: int


async def make_athlete(*, with_run: bool = True) -> Athlete:
    async with session_scope() as session:
        user = await create_user(session, new_email("mcp"), "correct horse battery staple")
        token = await create_token(session, user.id, NewToken(name="mcp test"), max_tokens=5)
        activity_id = 0
        if with_run:
            data = (require("fit") / RUN_FIT).read_bytes()
            result = await import_fit(session, user.id, data, filename="run.fit", source="upload")
            assert result.status == "imported", result
            assert result.activity_id is not None
            activity_id = result.activity_id
    return Athlete(user.id, user.email, token.token, activity_id)


@pytest.fixture
async def athlete(engine: AsyncEngine, redis: Redis) -> Athlete:
    return await make_athlete()


@pytest.fixture
async def mcp_url(engine: AsyncEngine, redis: Redis) -> AsyncIterator[str]:
    app = create_mcp_app(make_settings(), host="127.0.0.1")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))

    async def started() -> None:
        while not server.started:
            assert not task.done(), "uvicorn did not start"
            await asyncio.sleep(0.01)

    await asyncio.wait_for(started(), HANG_S)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"
    server.should_exit = True
    await asyncio.wait_for(task, HANG_S)
    # the app's lifespan closed the process's engine and Redis client: give the fixtures theirs back
    database.use_engine(engine)
    core_redis.use_redis(redis)


Connect = Callable[[str, str], AbstractAsyncContextManager[Client]]


@asynccontextmanager
async def _connect(url: str, token: str) -> AsyncIterator[Client]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=HANG_S)
    transport = streamable_http_client(url, http_client=http)
    async with http, Client(transport, read_timeout_seconds=HANG_S) as client:
        yield client


@pytest.fixture
def connect() -> Connect:
    return _connect
