"""Shared by the Garmin and Strava sync tests: a real worker, committed users, waiting for jobs, and a
Garmin fake that also has daily health for chosen days.

The sync tests run through the real Taskiq worker on the real Redis and PostgreSQL, so their data is
committed: every user made here is deleted again (with samples, which have no FK cascade).
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import threading
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from sqlalchemy import delete, select, text

from core.database import session_scope
from core.models import Integration, Job, User
from tests.factories import create_user
from tests.fakes import FakeGarmin
from tests.fakes._core import Reply, Request
from tools.integrations.credentials import decrypt_credentials


@asynccontextmanager
async def committed_user(**fields: Any) -> AsyncIterator[User]:
    async with session_scope() as session:
        user = await create_user(session, **fields)
    try:
        yield user
    finally:
        async with session_scope() as session:
            await session.execute(text("DELETE FROM activity_samples WHERE user_id = :u"), {"u": user.id})
            await session.execute(delete(User).where(User.id == user.id))


async def wait_for_job(
    job_id: uuid.UUID, states: tuple[str, ...] = ("succeeded", "failed"), within_s: float = 40
) -> Job:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        async with session_scope() as session:
            job = await session.get_one(Job, job_id)
        if job.state in states:
            return job
        if loop.time() > deadline:
            raise AssertionError(f"job {job.kind} stayed {job.state} (error: {job.error})")
        await asyncio.sleep(0.05)


async def integration_of(user_id: int, provider: str) -> Integration:
    async with session_scope() as session:
        return (
            await session.execute(
                select(Integration).where(Integration.user_id == user_id, Integration.provider == provider)
            )
        ).scalar_one()


async def stored_credentials(user_id: int, provider: str) -> dict[str, Any]:
    integration = await integration_of(user_id, provider)
    assert integration.credentials_encrypted is not None
    return decrypt_credentials(integration.credentials_encrypted)


async def redis_text(redis: Any) -> str:
    """Every string, list and hash value in the Redis database, as one text (to search for secrets)."""
    chunks: list[str] = []
    async for key in redis.scan_iter("*"):
        kind = (await redis.type(key)).decode()
        if kind == "string":
            chunks.append(repr(await redis.get(key)))
        elif kind == "list":
            chunks.append(repr(await redis.lrange(key, 0, -1)))
        elif kind == "hash":
            chunks.append(repr(await redis.hgetall(key)))
        elif kind == "stream":
            chunks.append(repr(await redis.xrange(key)))
    return "\n".join(chunks)


class HealthDaysGarmin(FakeGarmin):
    """The Garmin fake, plus daily health on chosen days (a test-side subclass; tests/fakes is untouched).

    The recordings hold sleep, HRV and daily summaries for dates years apart (2021, 2023, 2025), while a
    sync asks for the last few days. For each date in `health_days` this serves Garmin's recorded answers,
    re-dated: the 2025-07-07 night from garth's sleep cassette (it has a sleep score), and
    python-garminconnect's HRV and daily summary of 2023-07-01. Other dates get the base fake's answers
    (Garmin's recorded "no data"). It can also hold every download until `release_downloads()`.
    """

    SLEEP = ("/sleep-service/sleep/dailySleepData", ("date", "2025-07-07"))
    HRV = "/hrv-service/hrv/2023-07-01"
    SUMMARY = ("/usersummary-service/usersummary/daily/SANITIZED", ("calendarDate", "2023-07-01"))

    def __init__(
        self, *, health_days: Iterable[date] = (), hold_downloads: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.health_days = {d.isoformat() for d in health_days}
        self.download_started = threading.Event()
        self._downloads_open = threading.Event()
        if not hold_downloads:
            self._downloads_open.set()

    def release_downloads(self) -> None:
        self._downloads_open.set()

    def _pick(self, path: str, query: tuple[str, str] | None = None) -> dict[str, Any]:
        found = [
            it
            for it in self._interactions("GET", path)
            if it.status == 200 and (query is None or query in it.query)
        ]
        return copy.deepcopy(max(found, key=lambda it: len(it.body)).json())

    def _health(self, request: Request) -> Reply | None:
        path = self._norm_path(request.path)
        if path == "/wellness-service/wellness/dailySleepData/{displayName}":
            day = request.arg("date")
            if day in self.health_days:
                body = self._pick(*self.SLEEP)
                body["dailySleepDTO"]["calendarDate"] = day
                return Reply.json(body, source="recorded(re-dated):garth sleep")
        match = re.fullmatch(r"/hrv-service/hrv/(\d{4}-\d{2}-\d{2})", path)
        if match and match.group(1) in self.health_days:
            body = self._pick(self.HRV)
            body["hrvSummary"]["calendarDate"] = match.group(1)
            return Reply.json(body, source="recorded(re-dated):python-garminconnect hrv")
        if path == "/usersummary-service/usersummary/daily/{displayName}":
            day = request.arg("calendarDate")
            if day in self.health_days:
                body = self._pick(*self.SUMMARY)
                body["calendarDate"] = day
                return Reply.json(body, source="recorded(re-dated):python-garminconnect summary")
        return None

    def handle(self, request: Request) -> Reply:
        if request.method == "GET" and request.host.startswith("connectapi."):
            if request.path.startswith("/download-service/"):
                self.download_started.set()
                self._downloads_open.wait(timeout=60)
            reply = self._health(request)
            if reply is not None:
                return reply if self._authorized(request) else self.default_error(401, request)
        return super().handle(request)


def tokens_in(credentials: dict[str, Any]) -> dict[str, str]:
    tokens = credentials["tokens"]
    return tokens if isinstance(tokens, dict) else json.loads(tokens)
