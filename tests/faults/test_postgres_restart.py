"""PostgreSQL stopped and started again under load, below a running `runcoach api`.

Promise (issue 9): requests fail fast with 503 problem+json while the database is away — never a 500, never
a hang — and the same api process serves again once the database is back, without a restart.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from tests.faults.conftest import REQUEST_TIMEOUT_S, Account, sign_up, until
from tests.faults.stack import Stack

pytestmark = pytest.mark.slow

CLIENTS = 6
#: after PostgreSQL is back, the api must serve again within this (its pool notices dead connections on the
#: next checkout: pool_pre_ping); generous, a bound on "recovers", not a timing figure
RECOVERY_S = 15.0


@dataclass(frozen=True)
class Outcome:
    phase: str  # when the request was sent
    ended: str  # when its answer came
    path: str
    user_id: int
    sent: int | None  # the resting HR a settings write sent
    status: int  # 0: no answer (the client timed out or the connection broke)
    problem: dict[str, object] | None
    retry_after: str | None
    elapsed_s: float


async def _one(account: Account, i: int, phase: Callable[[], str]) -> Outcome:
    """One request of the mix: reads (profile, activities) and a write (settings)."""
    kind = i % 3
    sent = 40 + i % 20 if kind == 2 else None
    sent_in = phase()
    started = time.monotonic()
    try:
        if kind == 0:
            path, response = "/api/v1/me", await account.client.get("/api/v1/me")
        elif kind == 1:
            path, response = "/api/v1/activities", await account.client.get("/api/v1/activities")
        else:
            path = "/api/v1/settings"
            response = await account.client.patch(path, json={"resting_hr": sent})
    except httpx.HTTPError as exc:
        elapsed = time.monotonic() - started
        return Outcome(sent_in, phase(), type(exc).__name__, account.user_id, sent, 0, None, None, elapsed)
    problem = None
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        problem = response.json()
    return Outcome(
        sent_in,
        phase(),
        path,
        account.user_id,
        sent,
        response.status_code,
        problem,
        response.headers.get("retry-after"),
        time.monotonic() - started,
    )


class Load:
    """`CLIENTS` signed-in clients sending requests back to back, each tagged with the current phase."""

    def __init__(self, accounts: list[Account]) -> None:
        self.accounts = accounts
        self.phase = "before"
        self.outcomes: list[Outcome] = []
        self._stop = asyncio.Event()

    async def _client(self, account: Account) -> None:
        i = 0
        while not self._stop.is_set():
            self.outcomes.append(await _one(account, i, lambda: self.phase))
            i += 1
            await asyncio.sleep(0.01)

    async def run(self) -> None:
        await asyncio.gather(*(self._client(a) for a in self.accounts))

    def stop(self) -> None:
        self._stop.set()

    def of(self, phase: str) -> list[Outcome]:
        """Requests sent in `phase` and answered before the next one began."""
        return [o for o in self.outcomes if o.phase == phase == o.ended]


async def test_postgres_restart_under_load_is_503_fast_then_recovers_without_restarting_the_api(
    stack: Stack, accounts: list[Account]
) -> None:
    api = stack.role("api")
    accounts += [await sign_up(api.url or "") for _ in range(CLIENTS)]
    load = Load(accounts)
    running = asyncio.create_task(load.run())
    try:
        await until(lambda: len(load.of("before")) >= 3 * CLIENTS, within_s=60, what="requests")
        load.phase = "stopping"
        await asyncio.to_thread(stack.stop_postgres)
        load.phase = "down"
        down_since = len(load.outcomes)
        await until(lambda: len(load.outcomes) >= down_since + 3 * CLIENTS, within_s=60, what="requests")
        load.phase = "starting"
        await asyncio.to_thread(stack.start_postgres)
        load.phase = "back"
        await until(
            lambda: any(o.status == 200 for o in load.of("back")),
            within_s=RECOVERY_S,
            what="the api to serve again after PostgreSQL came back",
        )
        load.phase = "recovered"
        await until(lambda: len(load.of("recovered")) >= 3 * CLIENTS, within_s=60, what="requests")
    finally:
        load.stop()
        await asyncio.wait_for(running, REQUEST_TIMEOUT_S * 2)

    # no request hung: every one was answered, well inside the client's timeout
    unanswered = [o for o in load.outcomes if o.status == 0]
    assert unanswered == [], unanswered[:5]
    slowest = max(o.elapsed_s for o in load.outcomes)
    assert slowest < REQUEST_TIMEOUT_S / 2, f"a request took {slowest:.1f}s"
    # before and after: everything served
    assert {o.status for o in load.of("before")} == {200}, [o for o in load.of("before") if o.status != 200]
    assert {o.status for o in load.of("recovered")} == {200}, [
        o for o in load.of("recovered") if o.status != 200
    ][:3]
    # while the database was away (and while it went away or came back): 200 or a 503 problem, nothing else
    away = [o for o in load.outcomes if o not in load.of("before") and o not in load.of("recovered")]
    assert {o.status for o in away} <= {200, 503}, [o for o in away if o.status not in {200, 503}][:5]
    down = load.of("down")
    assert {o.status for o in down} == {503}, [o for o in down if o.status != 503][:5]
    for o in (o for o in away if o.status == 503):
        assert o.problem is not None, o
        assert o.problem["code"] == "service_unavailable" and o.problem["status"] == 503
        assert o.problem["detail"] == "The database is not answering right now. Wait a moment and try again."
        assert o.retry_after is not None and int(o.retry_after) > 0
    # the same api process throughout, and it says it is ready again
    assert api.alive()
    async with httpx.AsyncClient(base_url=api.url or "", timeout=REQUEST_TIMEOUT_S) as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready", ready.text
    # the last acknowledged write of each client is what the database holds
    last_ok = {o.user_id: o.sent for o in load.outcomes if o.sent is not None and o.status == 200}
    stored = dict(await stack.sql("SELECT id, resting_hr FROM users"))
    assert stored == last_ok
