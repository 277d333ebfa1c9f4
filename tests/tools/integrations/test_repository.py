"""The integrations repository on the real database: a user's connections, sync runs and known activities
are theirs alone; the two cross-user look-ups (a provider's push, the scheduler) see every user."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Integration
from tests.factories import create_activity, create_user
from tools.activities.importer import SAME_START_TOLERANCE
from tools.health.repository import HealthDays
from tools.integrations.repository import (
    Integrations,
    SyncRuns,
    connections_of_account,
    due_connections,
    known_activity,
)

START = datetime(2026, 11, 3, 6, 30, tzinfo=UTC)


async def test_another_users_sync_run_can_be_neither_read_nor_written(db: AsyncSession) -> None:
    mine, other = await create_user(db), await create_user(db)
    run = await SyncRuns(db, mine.id).start("garmin")
    await SyncRuns(db, other.id).record(run.id, status="failed", activities_imported=99)
    assert await SyncRuns(db, other.id).latest("garmin") is None
    await db.refresh(run)
    assert (run.status, run.activities_imported) == ("running", 0)
    await SyncRuns(db, mine.id).record(run.id, status="succeeded", activities_imported=3)
    latest = await SyncRuns(db, mine.id).latest("garmin")
    assert latest is not None and latest.id == run.id
    await db.refresh(run)
    assert (run.status, run.activities_imported) == ("succeeded", 3)


async def test_a_connection_is_found_and_removed_only_by_its_owner(db: AsyncSession) -> None:
    mine, other = await create_user(db), await create_user(db)
    Integrations(db, mine.id).add(Integration(provider="garmin", status="connected", settings={}))
    await db.flush()
    assert await Integrations(db, other.id).of("garmin") is None
    assert await Integrations(db, other.id).remove("garmin") is False
    assert await Integrations(db, mine.id).of("garmin", for_update=True) is not None
    assert await Integrations(db, mine.id).remove("garmin") is True
    assert await Integrations(db, mine.id).of("garmin") is None


async def test_a_providers_account_and_due_syncs_are_looked_up_across_users(db: AsyncSession) -> None:
    first, second, third = await create_user(db), await create_user(db), await create_user(db)
    now = datetime.now(UTC)
    for user, athlete, last in (
        (first, "77", None),
        (second, "77", now),
        (third, "78", now - timedelta(days=1)),
    ):
        Integrations(db, user.id).add(
            Integration(
                provider="strava", status="connected", settings={}, external_id=athlete, last_sync_at=last
            )
        )
    await db.flush()
    found = await connections_of_account(db, "strava", "77")
    assert [i.user_id for i in found] == sorted([first.id, second.id])
    due = await due_connections(db, ["strava"], "connected", now, timedelta(hours=1), limit=10_000)
    ours = [user_id for user_id, _ in due if user_id in {first.id, second.id, third.id}]
    assert ours == [first.id, third.id], (
        "never synced first, then the longest waiting; a fresh one is not due"
    )


async def test_a_known_activity_is_the_same_id_or_the_same_start_and_only_the_users_own(
    db: AsyncSession,
) -> None:
    mine, other = await create_user(db), await create_user(db)
    from_file = await create_activity(db, mine, start=START)
    imported = await create_activity(
        db, mine, start=START + timedelta(days=1), source="garmin", external_id="123"
    )

    async def known(user_id: int, external_id: str, start: datetime | None) -> int | None:
        found = await known_activity(
            db, user_id, source="garmin", external_id=external_id, start=start, tolerance=SAME_START_TOLERANCE
        )
        return found.id if found is not None else None

    assert await known(mine.id, "123", None) == imported.id
    assert await known(mine.id, "999", START + timedelta(seconds=1)) == from_file.id
    assert await known(mine.id, "999", START + timedelta(minutes=1)) is None
    assert await known(other.id, "123", START) is None


async def test_a_health_day_keeps_what_a_later_answer_does_not_know(db: AsyncSession) -> None:
    mine, other = await create_user(db), await create_user(db)
    day = date(2026, 11, 3)
    health = HealthDays(db, mine.id)
    await health.upsert(day, {"resting_hr": 48, "hrv_ms": 61.0}, {"sleep": {"a": 1}}, source="garmin")
    await health.upsert(day, {"resting_hr": None, "hrv_ms": 58.0}, {"hrv": {"b": 2}}, source="garmin")
    (row,) = await health.between(day, day)
    await db.refresh(row)
    assert (row.resting_hr, row.hrv_ms, row.raw) == (48, 58.0, {"sleep": {"a": 1}, "hrv": {"b": 2}})
    assert await health.stored_days(day - timedelta(days=1), day) == {day}
    assert await HealthDays(db, other.id).stored_days(day, day) == set()
