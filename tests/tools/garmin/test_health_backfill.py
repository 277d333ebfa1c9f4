"""Garmin health history, a year of it: a full-history sync queues `garmin.health_backfill`, which the real
worker runs against the Garmin fake (Garmin's recorded sleep, HRV and daily-summary answers, re-dated):
every day of the last 365 that Garmin has is stored, nothing older, no day asked twice, and readiness then
has its 60-night baseline (the sync alone gives 29 previous nights). A 429 half-way stops the job; the
retry resumes after the last committed chunk (only the uncommitted days of the chunk in flight are asked
again). A sync long after the last one queues the backfill for the days beyond its own 30."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import session_scope
from core.models import DailyHealth, Integration, Job, User
from core.queue.outbox import enqueue
from tests.support.worker import running_worker
from tests.tools.garmin.helpers import HealthDaysGarmin, committed_user, wait_for_job
from tools.deps import ToolDeps
from tools.garmin import backfill
from tools.garmin.auth import connect_garmin
from tools.registry import call_tool

EMAIL = "runner@example.com"
PASSWORD = "correct horse battery staple"
TODAY = datetime.now(UTC).date()
#: Garmin has every night of the last 75 days, then one a week back to 400 days ago
HEALTH_DAYS = [TODAY - timedelta(days=i) for i in range(75)] + [
    TODAY - timedelta(days=i) for i in range(77, 400, 7)
]
IN_A_YEAR = sorted(d for d in HEALTH_DAYS if d > TODAY - timedelta(days=backfill.BACKFILL_DAYS))
SLEEP = "^/wellness-service/wellness/dailySleepData/"


@pytest.fixture
def garmin(monkeypatch: pytest.MonkeyPatch) -> Iterator[HealthDaysGarmin]:
    monkeypatch.setattr(backfill, "PAUSE_S", 0.0)  # the pacing between days is not what is tested here
    with HealthDaysGarmin(email=EMAIL, password=PASSWORD, health_days=HEALTH_DAYS) as fake:
        monkeypatch.delenv("GARMINTOKENS", raising=False)
        fake.apply_env(monkeypatch)
        yield fake
        assert fake.errors == [], "the fake raised while answering"


@pytest.fixture
async def user(engine: AsyncEngine, redis: Redis, garmin: HealthDaysGarmin) -> AsyncIterator[User]:
    async with running_worker(), committed_user(timezone="UTC") as user:
        await connect_garmin(user.id, EMAIL, PASSWORD)
        yield user


async def _days(user: User) -> list[date]:
    async with session_scope() as session:
        rows = await session.execute(select(DailyHealth.day).where(DailyHealth.user_id == user.id))
        return sorted(rows.scalars())


def _asked(garmin: HealthDaysGarmin) -> Counter[date]:
    """How many times the sleep of each day was asked for (the first of Garmin's three calls a day)."""
    return Counter(date.fromisoformat(r.arg("date") or "") for r in garmin.requests_to(SLEEP))


async def _backfill_job(user: User) -> Job:
    async with session_scope() as session:
        found = await session.execute(
            select(Job).where(Job.user_id == user.id, Job.kind == backfill.JOB_KIND)
        )
        return found.scalar_one()


async def _readiness(user: User) -> str:
    async with session_scope() as session:
        deps = ToolDeps.for_user(session, await session.get_one(User, user.id))
        out = (await call_tool("readiness", deps, {})).model_dump()
    return " ".join(r["text"] for r in out["reasons"])


async def test_a_full_history_sync_backfills_a_year_of_health_once(
    garmin: HealthDaysGarmin, user: User
) -> None:
    async with session_scope() as session:
        deps = ToolDeps.for_user(session, await session.get_one(User, user.id))
        out = (await call_tool("sync_garmin", deps, {"full_history": True})).model_dump()
    sync = await wait_for_job(uuid.UUID(out["job_id"]), within_s=120)
    assert sync.state == "succeeded", sync.error
    assert (sync.result or {})["health_days"] == 30, "the sync itself: at most garmin_health_days_max days"

    job = await wait_for_job((await _backfill_job(user)).id, within_s=180)
    assert job.state == "succeeded", job.error
    result = job.result or {}
    assert (result["since"], result["until"]) == (
        (TODAY - timedelta(days=backfill.BACKFILL_DAYS - 1)).isoformat(),
        TODAY.isoformat(),
    )
    assert result["total"] == result["done"] == backfill.BACKFILL_DAYS - 30, "the sync's 30 days not again"
    assert result["stored"] == len(IN_A_YEAR) - 30 and result["failed"] == 0
    assert result["empty"] == result["total"] - result["stored"]
    assert await _days(user) == IN_A_YEAR, "every day Garmin has in the year, nothing older"

    asked = _asked(garmin)
    assert set(asked) == {TODAY - timedelta(days=i) for i in range(backfill.BACKFILL_DAYS)}
    assert set(asked.values()) == {1}, "no day asked twice (sync and backfill together)"
    assert "60-night baseline" in await _readiness(user)

    # a later backfill (another day's job) starts where this one ended: nothing to ask Garmin for
    garmin.clear_log()
    async with session_scope() as session:
        await backfill.queue_health_backfill(session, user.id, today=TODAY + timedelta(days=1))
    async with session_scope() as session:
        again = (
            await session.execute(
                select(Job)
                .where(Job.user_id == user.id, Job.kind == backfill.JOB_KIND, Job.id != job.id)
                .limit(1)
            )
        ).scalar_one()
    again = await wait_for_job(again.id, within_s=60)
    assert again.state == "succeeded" and (again.result or {})["total"] == 0
    assert _asked(garmin) == Counter(), "the days Garmin had nothing for are not asked again"


async def test_a_429_half_way_is_retried_and_resumes_after_the_last_committed_chunk(
    garmin: HealthDaysGarmin, user: User
) -> None:
    limited = TODAY - timedelta(days=40)  # in the third chunk of 14 days (newest first)
    garmin.inject(429, path=f"^/hrv-service/hrv/{limited.isoformat()}$", retry_after=1, times=1)
    async with session_scope() as session:
        queued = await backfill.queue_health_backfill(session, user.id, today=TODAY)
    retrying = await wait_for_job(queued.id, ("retrying", "succeeded", "failed"), within_s=120)
    assert retrying.state == "retrying", retrying.error
    assert "rate-limiting" in (retrying.error or "")
    committed = retrying.progress
    assert (committed["done"], committed["cursor"]) == (
        2 * backfill.CHUNK_DAYS,
        (TODAY - timedelta(days=2 * backfill.CHUNK_DAYS - 1)).isoformat(),
    ), "two chunks committed; the third, in flight, was not"
    assert await _days(user) == [d for d in IN_A_YEAR if d >= TODAY - timedelta(days=27)]

    done = await wait_for_job(queued.id, within_s=180)
    assert (done.state, done.attempts) == ("succeeded", 2), done.error
    assert await _days(user) == IN_A_YEAR
    asked = _asked(garmin)
    again = sorted(d for d, n in asked.items() if n > 1)
    assert again == [TODAY - timedelta(days=i) for i in range(40, 27, -1)], (
        "only the uncommitted days of the chunk in flight were asked again"
    )
    assert set(asked.values()) == {1, 2} and len(asked) == backfill.BACKFILL_DAYS
    assert (done.result or {})["done"] == (done.result or {})["total"] == backfill.BACKFILL_DAYS


async def test_a_sync_after_a_long_gap_queues_the_backfill_for_the_days_it_did_not_fetch(
    garmin: HealthDaysGarmin, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backfill, "BACKFILL_DAYS", 60)  # a shorter history: the gap is what is tested
    async with session_scope() as session:
        await session.execute(
            update(Integration)
            .where(Integration.user_id == user.id, Integration.provider == "garmin")
            .values(last_sync_at=datetime.now(UTC) - timedelta(days=50))
        )
        sync = await enqueue(session, "garmin.sync", {}, user_id=user.id)
    done = await wait_for_job(sync.id, within_s=60)
    assert done.state == "succeeded" and (done.result or {})["health_days"] == 30, done.error
    job = await wait_for_job((await _backfill_job(user)).id, within_s=120)
    assert job.state == "succeeded" and (job.result or {})["stored"] == 30, job.error
    assert await _days(user) == [TODAY - timedelta(days=i) for i in range(59, -1, -1)], "no gap left"
    asked = _asked(garmin)
    assert set(asked) == {TODAY - timedelta(days=i) for i in range(60)} and set(asked.values()) == {1}


async def test_the_first_sync_of_a_connection_queues_the_backfill(
    garmin: HealthDaysGarmin, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new connection's first sync fetches 30 days of health; readiness wants 60 nights: the backfill
    brings the rest without the athlete asking for a full-history sync."""
    monkeypatch.setattr(backfill, "BACKFILL_DAYS", 70)  # a shorter history: the queueing is what is tested
    async with session_scope() as session:
        sync = await enqueue(session, "garmin.sync", {}, user_id=user.id)
    done = await wait_for_job(sync.id, within_s=60)
    assert done.state == "succeeded" and (done.result or {})["health_days"] == 30, done.error
    job = await wait_for_job((await _backfill_job(user)).id, within_s=120)
    assert job.state == "succeeded" and (job.result or {})["stored"] == 40, job.error
    assert await _days(user) == [TODAY - timedelta(days=i) for i in range(69, -1, -1)]
    assert "60-night baseline" in await _readiness(user)


async def test_days_garmin_failed_to_answer_are_asked_again_by_the_next_backfill(
    garmin: HealthDaysGarmin, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backfill, "BACKFILL_DAYS", 60)
    broken = [TODAY - timedelta(days=20), TODAY - timedelta(days=45)]  # nights Garmin has, not in a row
    for day in broken:
        garmin.inject(503, path=f"^/hrv-service/hrv/{day.isoformat()}$", times=None)
    async with session_scope() as session:
        first = await backfill.queue_health_backfill(session, user.id, today=TODAY)
    done = await wait_for_job(first.id, within_s=120)
    assert done.state == "succeeded", done.error
    assert (done.result or {})["failed"] == 2
    assert sorted(date.fromisoformat(d) for d in (done.result or {})["failed_days"]) == sorted(broken)
    assert not set(broken) & set(await _days(user))

    garmin.faults.clear()  # Garmin answers again
    garmin.clear_log()
    async with session_scope() as session:
        later = await backfill.queue_health_backfill(session, user.id, today=TODAY + timedelta(days=1))
    again = await wait_for_job(later.id, within_s=60)
    assert again.state == "succeeded", again.error
    assert sorted(_asked(garmin)) == sorted(broken), "the failed days again, nothing else"
    assert set(broken) <= set(await _days(user))
    assert (again.result or {})["failed_days"] == []
