"""Redis restarted in the middle of a Garmin sync running on a real `runcoach worker`.

Promise (issue 9): the sync resumes or is retried and finishes, every activity stored once; the per-user
sync lock is not left held; and the worker keeps taking jobs after the restart (it does not go deaf).
The Garmin side is the local fake (tests/fakes) reached by the real garminconnect client in the worker.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from redis.asyncio import Redis

from tests.faults.stack import Stack
from tests.tools.garmin.helpers import HealthDaysGarmin

pytestmark = pytest.mark.slow

EMAIL = "runner@example.com"
PASSWORD = "correct horse battery staple"
RUN, HIKE, SUP, SWIM = 21482825013, 21461718086, 21419635589, 21413444039
SUP_FIT = "fitdecode/tests/files/2013-02-06-12-11-14.fit"
DAYS = 400  # the recorded activities are from January 2026
WAIT_S = 90.0  # a bound against hangs, not a timing figure
#: how long Redis stays down: longer than redis-py's own reconnect retries (3 tries, ~7 s), as a restart
#: that replays a large append-only file or a failover can be
REDIS_DOWN_S = 10.0


@pytest.fixture
def garmin(monkeypatch: pytest.MonkeyPatch) -> Iterator[HealthDaysGarmin]:
    today = datetime.now(UTC).date()
    with HealthDaysGarmin(email=EMAIL, password=PASSWORD, health_days=[today], hold_downloads=True) as fake:
        monkeypatch.delenv("GARMINTOKENS", raising=False)
        fake.apply_env(monkeypatch)  # this process signs in; the worker gets the same through its env
        fake.map_fit(SUP, SUP_FIT)
        yield fake
        fake.release_downloads()
        assert fake.errors == [], "the fake raised while answering"
        assert fake.refused == [], f"the client reached for hosts the fake does not serve: {fake.refused}"


async def _job(stack: Stack, job_id: uuid.UUID) -> dict[str, Any]:
    row = dict((await stack.sql("SELECT state, attempts, result, error FROM jobs WHERE id = $1", job_id))[0])
    if isinstance(row["result"], str):
        row["result"] = json.loads(row["result"])
    return row


async def _finished(stack: Stack, job_id: uuid.UUID) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_S
    while True:
        job = await _job(stack, job_id)
        if job["state"] in {"succeeded", "failed"}:
            return job
        assert time.monotonic() < deadline, f"the sync did not end within {WAIT_S:.0f}s: {job}"
        await asyncio.sleep(0.1)


async def _enqueue_sync(stack: Stack, user_id: int) -> uuid.UUID:
    from core.database import session_scope
    from core.queue.outbox import enqueue

    async with stack.in_process(), session_scope() as session:
        job = await enqueue(session, "garmin.sync", {"days": DAYS}, user_id=user_id)
    return job.id


async def test_redis_restarted_mid_sync_the_sync_finishes_once_and_the_worker_keeps_working(
    stack: Stack, garmin: HealthDaysGarmin
) -> None:
    from core.database import session_scope
    from tests.factories import create_user
    from tools.garmin.auth import connect_garmin
    from tools.garmin.sync import sync_lock_key

    worker = stack.role("worker", env=garmin.client_env(), ready=False)
    async with stack.in_process():
        async with session_scope() as session:
            user = await create_user(session, email=f"sync-{uuid.uuid4().hex[:6]}@example.com")
        await connect_garmin(user.id, EMAIL, PASSWORD)
    await asyncio.to_thread(worker.wait_ready)

    job_id = await _enqueue_sync(stack, user.id)
    # the sync is inside its first download, holding the user's lock
    assert await asyncio.to_thread(garmin.download_started.wait, WAIT_S), worker.log()[-3000:]
    redis = Redis.from_url(stack.redis_url)
    try:
        assert await redis.get(sync_lock_key(user.id)) is not None
        await redis.aclose()

        stack.stop_redis()
        await asyncio.sleep(REDIS_DOWN_S)  # the worker's queue reads, lock renewals and claims fail meanwhile
        stack.start_redis()
        garmin.release_downloads()

        done = await _finished(stack, job_id)
        assert done["state"] == "succeeded", done
        result = done["result"]
        assert (result["imported"], result["failed"]) == (4, 0), result
        activities = await stack.sql(
            "SELECT external_id, count(*) AS n FROM activities WHERE user_id = $1 GROUP BY external_id",
            user.id,
        )
        assert {a["external_id"]: a["n"] for a in activities} == {str(i): 1 for i in (RUN, HIKE, SUP, SWIM)}
        runs = await stack.sql("SELECT status FROM sync_runs WHERE user_id = $1 ORDER BY id", user.id)
        assert [r["status"] for r in runs][-1] == "succeeded"

        redis = Redis.from_url(stack.redis_url)
        assert await redis.get(sync_lock_key(user.id)) is None  # released, not left to expire

        # the worker still takes jobs from the restarted Redis: a second sync finds nothing new
        again = await _finished(stack, await _enqueue_sync(stack, user.id))
        assert again["state"] == "succeeded", again
        assert (again["result"]["imported"], again["result"]["skipped"]) == (0, 4)
        assert worker.alive()
        assert await stack.value("SELECT count(*) FROM activities WHERE user_id = $1", user.id) == 4
        unfinished = await stack.value("SELECT count(*) FROM jobs WHERE state NOT IN ('succeeded', 'failed')")
        assert unfinished == 0
    finally:
        await redis.aclose()
