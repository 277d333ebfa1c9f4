"""Periodic sync: the scheduler's tick starts a sync of each connected account whose last sync is too old —
through the real worker against the Garmin fake — and never doubles one, never syncs a connection that needs
reconnecting, and leaves recently synced accounts alone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import session_scope
from core.models import Activity, Integration, Job
from core.settings import get_settings
from tests.tools.garmin.helpers import (
    HealthDaysGarmin,
    committed_user,
    integration_of,
    wait_for_job,
)
from tools.garmin import backfill
from tools.garmin.auth import connect_garmin
from tools.integrations.auto_sync import due_accounts, run_auto_sync
from tools.integrations.credentials import NEEDS_REAUTH

EMAIL = "runner@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def garmin(monkeypatch: pytest.MonkeyPatch) -> Iterator[HealthDaysGarmin]:
    monkeypatch.setattr(get_settings(), "garmin_health_days_max", 1)
    monkeypatch.setattr(
        get_settings(), "garmin_first_sync_days", 400
    )  # the recorded runs are from January 2026
    with HealthDaysGarmin(email=EMAIL, password=PASSWORD, health_days=[]) as fake:
        monkeypatch.delenv("GARMINTOKENS", raising=False)
        fake.apply_env(monkeypatch)
        yield fake
        assert fake.errors == [], "the fake raised while answering"


async def _jobs(user_id: int) -> list[Job]:
    async with session_scope() as session:
        return list((await session.execute(select(Job).where(Job.user_id == user_id))).scalars())


async def _due(now: datetime, users: set[int]) -> set[int]:
    """Which of `users` are due (other tests' accounts may share the database)."""
    interval = timedelta(minutes=get_settings().sync_interval_min)
    async with session_scope() as session:
        return {user for user, _ in await due_accounts(session, now, interval) if user in users}


async def _set(user_id: int, **values: object) -> None:
    async with session_scope() as session:
        await session.execute(
            update(Integration)
            .where(Integration.user_id == user_id, Integration.provider == "garmin")
            .values(**values)
        )


async def test_due_accounts_are_synced_once_and_the_others_are_left_alone(
    garmin: HealthDaysGarmin, worker: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backfill, "PAUSE_S", 0.0)  # the first sync queues the health backfill: no pacing
    async with committed_user() as due, committed_user() as recent, committed_user() as broken:
        for user in (due, recent, broken):
            assert (await connect_garmin(user.id, EMAIL, PASSWORD)).state == "connected"
        now = datetime.now(UTC)
        await _set(recent.id, last_sync_at=now - timedelta(minutes=5))
        await _set(broken.id, status=NEEDS_REAUTH, last_sync_at=now - timedelta(days=3))

        mine = {due.id, recent.id, broken.id}
        assert await _due(now, mine) == {
            due.id
        }  # never synced; `recent` synced 5 min ago, `broken` needs reauth

        # two scheduler ticks at once (two schedulers, or a slow tick): one job for the due account
        first, second = await asyncio.gather(run_auto_sync(now=now), run_auto_sync(now=now))
        assert first.failed == second.failed == 0 and first.due >= 1 and second.due >= 1
        assert await _jobs(recent.id) == [] and await _jobs(broken.id) == []
        [job] = await _jobs(due.id)
        assert job.kind == "garmin.sync"

        done = await wait_for_job(job.id)
        assert done.state == "succeeded", done.error
        async with session_scope() as session:
            stored = (
                await session.execute(select(func.count()).where(Activity.user_id == due.id))
            ).scalar_one()
        assert stored == (done.result or {})["imported"] > 0
        assert (await integration_of(due.id, "garmin")).last_sync_at is not None

        # synced just now: the next tick finds nothing to do for it
        assert await _due(datetime.now(UTC), mine) == set()
        await run_auto_sync(now=datetime.now(UTC))
        jobs = await _jobs(due.id)
        assert sorted(j.kind for j in jobs) == ["garmin.health_backfill", "garmin.sync"], (
            "one sync, and the health backfill a first sync queues"
        )
        [health] = [j for j in jobs if j.kind == "garmin.health_backfill"]
        assert (await wait_for_job(health.id, within_s=120)).state == "succeeded"
        # once the interval has passed both working accounts are due again; `broken` still is not
        later = datetime.now(UTC) + timedelta(minutes=get_settings().sync_interval_min + 1)
        assert await _due(later, mine) == {due.id, recent.id}


async def test_an_interval_of_zero_turns_it_off(monkeypatch: pytest.MonkeyPatch, engine: AsyncEngine) -> None:
    async with committed_user() as user:
        async with session_scope() as session:
            session.add(Integration(user_id=user.id, provider="strava", status="connected"))
        assert await _due(datetime.now(UTC), {user.id}) == {user.id}  # never synced: due
        monkeypatch.setattr(get_settings(), "sync_interval_min", 0)
        assert (await run_auto_sync()).due == 0
        assert await _jobs(user.id) == []
