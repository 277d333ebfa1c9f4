"""Fault tests: each starts its own PostgreSQL, Redis and RunCoach roles (tests/faults/stack.py) and breaks
them. Nothing here uses the session's shared servers, so restarting these disturbs no other test."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from api.auth import CSRF_HEADER
from tests.faults.stack import Stack

PASSWORD = "correct horse battery staple"
#: the client's request timeout: a request still unanswered after this is a hang, and fails the test
REQUEST_TIMEOUT_S = 20.0


@pytest.fixture
def stack() -> Iterator[Stack]:
    with Stack.running() as running:
        yield running
        for role in running.roles:  # shown by pytest when the test failed
            print(f"===== {role.name} (pid {role.pid}) log =====\n{role.log()[-200_000:]}")


@dataclass
class Account:
    client: httpx.AsyncClient
    user_id: int
    email: str


async def sign_up(base_url: str) -> Account:
    """A new account on the api at `base_url`, signed in (session cookie + CSRF header)."""
    client = httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S)
    email = f"fault-{uuid.uuid4().hex[:8]}@example.com"
    created = await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert created.status_code == 201, created.text
    signed_in = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    client.headers[CSRF_HEADER] = signed_in.json()["csrf_token"]
    return Account(client, int(signed_in.json()["user"]["id"]), email)


@pytest.fixture
async def accounts() -> AsyncIterator[list[Account]]:
    """Accounts made with `sign_up` go here to have their clients closed."""
    made: list[Account] = []
    yield made
    for account in made:
        await account.client.aclose()


async def until(check: Callable[[], bool], *, within_s: float, what: str) -> None:
    """Poll `check` until it holds; fail after `within_s` (a bound against hangs, not a timing figure)."""
    deadline = time.monotonic() + within_s
    while True:
        if check():
            return
        assert time.monotonic() < deadline, f"waited {within_s:.0f}s for {what}"
        await asyncio.sleep(0.05)
