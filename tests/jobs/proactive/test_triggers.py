"""Trigger evaluation on a frozen clock, per user time zone, across DST changes; quiet hours; preferences."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import DailyHealth, Gear, Race, User
from tests.factories import create_activity, create_user
from tools.notifications import store
from tools.notifications.preferences import (
    Channel,
    NotificationPreferences,
    QuietHours,
    Trigger,
    merge_preferences,
    save_preferences,
)
from tools.notifications.triggers import due_messages

BERLIN = ZoneInfo("Europe/Berlin")
LA = ZoneInfo("America/Los_Angeles")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def _due(db: AsyncSession, user: User, now: datetime) -> set[tuple[str, str]]:
    return {(d.trigger.value, d.period_key) for d in await due_messages(db, user, now)}


async def test_morning_is_at_local_time_in_each_time_zone(db: AsyncSession) -> None:
    berlin = await create_user(db, timezone="Europe/Berlin")
    la = await create_user(db, timezone="America/Los_Angeles")
    now = utc(2026, 10, 14, 6, 0)  # 08:00 in Berlin, 23:00 the day before in Los Angeles
    assert await _due(db, berlin, now) == {("morning_readiness", "2026-10-14")}
    assert await _due(db, la, now) == set()
    # Los Angeles gets its own morning 9 hours later, for its own date
    assert await _due(db, la, utc(2026, 10, 14, 15, 0)) == {("morning_readiness", "2026-10-14")}
    # …and not after noon local: a scheduler that was down all morning does not send "good morning" at 13:00
    assert await _due(db, la, utc(2026, 10, 14, 20, 0)) == set()


async def test_morning_comes_early_when_the_night_is_in(db: AsyncSession) -> None:
    user = await create_user(db, timezone="Europe/Berlin")
    six = datetime(2026, 10, 14, 6, 0, tzinfo=BERLIN)
    assert await _due(db, user, six) == set()  # before 07:30 without sleep data
    db.add(DailyHealth(user_id=user.id, day=date(2026, 10, 14), sleep_s=26000, hrv_ms=55.0))
    await db.flush()
    assert await _due(db, user, six) == {("morning_readiness", "2026-10-14")}
    assert await _due(db, user, datetime(2026, 10, 14, 4, 59, tzinfo=BERLIN)) == set()  # not before 05:00


@pytest.mark.parametrize(
    ("zone", "day", "before_utc", "at_utc"),
    [
        # Berlin springs forward on Sunday 29 March 2026: 07:30 local is 06:30 UTC on Saturday,
        # 05:30 UTC on Sunday
        ("Europe/Berlin", date(2026, 3, 28), utc(2026, 3, 28, 6, 29), utc(2026, 3, 28, 6, 30)),
        ("Europe/Berlin", date(2026, 3, 29), utc(2026, 3, 29, 5, 29), utc(2026, 3, 29, 5, 30)),
        # New York falls back on Sunday 1 November 2026: 07:30 local is 11:30 UTC before, 12:30 UTC after
        ("America/New_York", date(2026, 10, 31), utc(2026, 10, 31, 11, 29), utc(2026, 10, 31, 11, 30)),
        ("America/New_York", date(2026, 11, 1), utc(2026, 11, 1, 12, 29), utc(2026, 11, 1, 12, 30)),
    ],
)
async def test_the_morning_time_follows_dst(
    db: AsyncSession, zone: str, day: date, before_utc: datetime, at_utc: datetime
) -> None:
    user = await create_user(db, timezone=zone)
    assert await _due(db, user, before_utc) == set()
    assert await _due(db, user, at_utc) == {("morning_readiness", day.isoformat())}


async def test_weekly_review_race_week_gear_and_after_run(db: AsyncSession) -> None:
    user = await create_user(db, timezone="Europe/Berlin")
    sunday_evening = datetime(2026, 10, 18, 19, 0, tzinfo=BERLIN)
    race7 = Race(user_id=user.id, name="City 10K", date=date(2026, 10, 25), distance_m=10000)
    race1 = Race(user_id=user.id, name="Park 5K", date=date(2026, 10, 19), distance_m=5000)
    race3 = Race(user_id=user.id, name="Later", date=date(2026, 10, 21), distance_m=5000)
    shoe = Gear(user_id=user.id, name="Old pair", start_distance_m=699_000, retire_at_m=700_000)
    fresh = Gear(user_id=user.id, name="New pair", start_distance_m=10_000, retire_at_m=700_000)
    db.add_all([race7, race1, race3, shoe, fresh])
    await db.flush()
    run = await create_activity(
        db, user, start=datetime(2026, 10, 18, 17, 0, tzinfo=BERLIN), seconds=1800, speed=3.0
    )
    old = await create_activity(db, user, start=datetime(2026, 10, 16, 7, 0, tzinfo=BERLIN), seconds=600)
    due = await _due(db, user, sunday_evening)
    assert due == {
        ("weekly_review", "2026-W42"),
        ("race_week", f"race:{race7.id}:7d"),
        ("race_week", f"race:{race1.id}:1d"),
        ("after_run", f"activity:{run.id}"),
    }
    assert ("after_run", f"activity:{old.id}") not in due  # older than 36 h: not news any more
    # the shoe is at 699 km; one linked 1.8 km run puts it past 700 km
    from tools.gear.gear import link_default_gear

    shoe.default_for_sport = "running"
    await db.flush()
    await link_default_gear(db, run)
    assert ("gear_threshold", f"gear:{shoe.id}:700km") in await _due(db, user, sunday_evening)
    # a run still going on (started 18:45, 30 minutes long) is not fed back yet
    later = await create_activity(
        db, user, start=datetime(2026, 10, 18, 18, 45, tzinfo=BERLIN), seconds=1800, speed=3.0
    )
    assert ("after_run", f"activity:{later.id}") not in await _due(db, user, sunday_evening)


async def test_a_stored_message_is_never_due_again_and_disabled_triggers_are_skipped(
    db: AsyncSession,
) -> None:
    user = await create_user(db, timezone="UTC")
    now = utc(2026, 10, 14, 8, 0)
    assert await _due(db, user, now) == {("morning_readiness", "2026-10-14")}
    _, created = await store.create_notification(
        db,
        user.id,
        trigger=Trigger.MORNING_READINESS,
        period_key="2026-10-14",
        title="t",
        body="b",
        channels=[Channel.WEB],
        now=now,
    )
    assert created
    again, created_again = await store.create_notification(
        db,
        user.id,
        trigger=Trigger.MORNING_READINESS,
        period_key="2026-10-14",
        title="t2",
        body="b2",
        channels=[Channel.WEB],
        now=now,
    )
    assert not created_again and again.title == "t"
    assert await _due(db, user, now) == set()
    assert await _due(db, user, now + timedelta(days=1)) == {("morning_readiness", "2026-10-15")}
    prefs = merge_preferences(NotificationPreferences(), {"triggers": {"morning_readiness": False}})
    await save_preferences(db, user, prefs)
    assert await _due(db, user, now + timedelta(days=1)) == set()


def test_quiet_hours_across_midnight_and_dst() -> None:
    quiet = QuietHours(start=time(22, 0), end=time(7, 0))
    assert quiet.contains(time(23, 30)) and quiet.contains(time(6, 59)) and not quiet.contains(time(7, 0))
    # Saturday 28 March 23:00 CET → held until Sunday 07:00 CEST: 7 hours later, not 8
    moment = datetime(2026, 3, 28, 23, 0, tzinfo=BERLIN)
    released = quiet.ends_after(moment, BERLIN)
    assert released.astimezone(UTC) == utc(2026, 3, 29, 5, 0)
    assert released.astimezone(UTC) - moment.astimezone(UTC) == timedelta(hours=7)
    # outside quiet hours nothing is held; a daytime window works too
    assert quiet.ends_after(datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN), BERLIN).hour == 12
    nap = QuietHours(start=time(13, 0), end=time(15, 0))
    assert nap.contains(time(14, 0)) and not nap.contains(time(12, 0))


def test_preferences_are_validated_and_merged() -> None:
    prefs = merge_preferences(
        NotificationPreferences(),
        {"triggers": {"gear_threshold": False}, "channels": ["web"], "quiet_hours": None},
    )
    assert not prefs.enabled(Trigger.GEAR_THRESHOLD) and prefs.enabled(Trigger.AFTER_RUN)
    assert prefs.channels == [Channel.WEB] and prefs.quiet_hours is None
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="weekly_review_day"):
        merge_preferences(prefs, {"weekly_review_day": 9})
    with pytest.raises(InvalidInput, match="channels"):
        merge_preferences(prefs, {"channels": ["pigeon"]})
