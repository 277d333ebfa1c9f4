"""Chat over SSE against a real uvicorn on loopback (httpx's in-process transport would buffer the response).

- `live(**settings)`: serves a fresh app with uvicorn on a free loopback port, in this test's event loop,
  lifespan included; returns its base URL. Several at once are several api replicas on one Redis.
- `chat_user(url)`: a signed-up, signed-in client of that server (cookies + CSRF header).
- `read_sse(response)`: the events (and keep-alive comments) of a `text/event-stream`, as they arrive.
- `gate`: holds the real `last_activity` tool until the test opens it, so a test knows a turn is mid-way
  without timing anything; the offline coach looks at it (after recent runs) for "how was my last run?".
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.app import create_app
from core import database
from core import redis as core_redis
from core.models import User
from tests.api.conftest import Servers, login, make_settings, new_email, register
from tests.factories import create_activity
from tools import registry
from tools.deps import ToolDeps
from tools.registry import all_tools

#: a bound on waiting for the server: a hang fails the test instead of blocking the suite (not a timing check)
HANG_S = 30.0


@dataclass(frozen=True)
class Sse:
    event: str
    id: str | None
    data: dict[str, Any]


@dataclass(frozen=True)
class Comment:
    text: str


class SseReader:
    """Parses one text/event-stream incrementally; successive calls continue where the last one stopped."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._items = self._parse()

    async def _parse(self) -> AsyncIterator[Sse | Comment]:
        fields: dict[str, str] = {}
        data: list[str] = []
        async for line in self.response.aiter_lines():
            if line == "":
                if data or fields:
                    yield Sse(
                        event=fields.get("event", "message"),
                        id=fields.get("id"),
                        data=json.loads("\n".join(data)),
                    )
                fields, data = {}, []
                continue
            if line.startswith(":"):
                yield Comment(line[1:].strip())
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                data.append(value)
            elif name in {"event", "id"}:
                fields[name] = value

    async def events(self, stop: Callable[[Sse], bool] | None = None) -> list[Sse]:
        """Events (not comments) until `stop` says so, or the stream's end."""

        async def read() -> list[Sse]:
            got: list[Sse] = []
            async for item in self._items:
                if isinstance(item, Sse):
                    got.append(item)
                    if stop is not None and stop(item):
                        break
            return got

        return await asyncio.wait_for(read(), HANG_S)

    async def comment(self) -> Comment:
        """The next keep-alive comment (events before it are dropped)."""

        async def read() -> Comment:
            async for item in self._items:
                if isinstance(item, Comment):
                    return item
            raise AssertionError("the stream ended without a keep-alive comment")

        return await asyncio.wait_for(read(), HANG_S)


@dataclass
class ChatUser:
    client: httpx.AsyncClient
    user_id: int

    async def thread(self, title: str | None = None) -> str:
        created = await self.client.post("/api/v1/chat/threads", json={"title": title} if title else {})
        assert created.status_code == 201, created.text
        return str(created.json()["id"])


Live = Callable[..., Awaitable[str]]


@pytest.fixture
async def live(engine: AsyncEngine, redis: Redis) -> AsyncIterator[Live]:
    """`await live(**settings_overrides)` → the base URL of a real uvicorn serving a fresh app."""
    servers = Servers()

    async def start(**overrides: Any) -> str:
        app = create_app(make_settings(**{"llm_provider": "offline", **overrides}))
        return await servers.start(app, lifespan="on", timeout_graceful_shutdown=5)

    yield start
    await servers.close()
    # each app's lifespan closed the process's engine and Redis client: give the fixtures theirs back
    database.use_engine(engine)
    core_redis.use_redis(redis)


@pytest.fixture
async def chat_user() -> AsyncIterator[Callable[[str], Awaitable[ChatUser]]]:
    clients: list[httpx.AsyncClient] = []

    async def make(url: str) -> ChatUser:
        client = httpx.AsyncClient(base_url=url, timeout=HANG_S)
        clients.append(client)
        email = new_email("chat")
        created = await register(client, email)
        assert created.status_code == 201, created.text
        signed_in = await login(client, email)
        assert signed_in.status_code == 200, signed_in.text
        return ChatUser(client=client, user_id=int(signed_in.json()["user"]["id"]))

    yield make
    for client in clients:
        await client.aclose()


async def add_runs(engine: AsyncEngine, user_id: int) -> None:
    """Two committed runs for the user (what "how was my last run?" reports on)."""
    async with AsyncSession(engine, expire_on_commit=False) as session:
        user = await session.get(User, user_id)
        assert user is not None
        now = datetime.now(UTC)
        await create_activity(session, user, start=now - timedelta(days=3), seconds=2400, name="Tempo")
        await create_activity(session, user, start=now - timedelta(days=1), seconds=3000, name="Long run")
        await session.commit()


@dataclass
class Gate:
    opened: asyncio.Event
    entered: asyncio.Event
    calls: int = 0

    def open(self) -> None:
        self.opened.set()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Gate:
    """The real `last_activity` tool, held at its start until `gate.open()`."""
    all_tools()
    spec = registry._REGISTRY["last_activity"]
    held = Gate(opened=asyncio.Event(), entered=asyncio.Event())
    real = spec.fn

    async def gated(deps: ToolDeps, args: BaseModel) -> BaseModel:
        held.calls += 1
        held.entered.set()
        await held.opened.wait()
        return await real(deps, args)

    monkeypatch.setitem(registry._REGISTRY, "last_activity", replace(spec, fn=gated))
    return held


def thread_id() -> str:
    return str(uuid.uuid4())
