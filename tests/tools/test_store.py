"""Storing activities: COPY'd samples, atomic failure, explicit deletion, user scoping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.models import Activity, Lap, activity_samples
from tests.factories import create_activity, create_user, make_samples
from tools.activities.store import NewActivity, delete_activity, store_activity


async def _sample_count(db: AsyncSession, activity_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(activity_samples)
        .where(activity_samples.c.activity_id == activity_id)
    )
    return int((await db.execute(stmt)).scalar_one())


async def test_samples_are_stored_in_order_with_missing_columns_as_null(db: AsyncSession) -> None:
    user = await create_user(db)
    start = datetime(2026, 9, 30, 23, 59, 0, tzinfo=UTC)  # crosses a month boundary → two partitions
    activity = await create_activity(db, user, start=start, seconds=180)
    assert activity.sample_count == 180
    assert await _sample_count(db, activity.id) == 180
    rows = (
        await db.execute(
            select(activity_samples.c.ts, activity_samples.c.heart_rate, activity_samples.c.power_w)
            .where(activity_samples.c.activity_id == activity.id)
            .order_by(activity_samples.c.ts)
        )
    ).all()
    assert rows[0].ts == start and rows[-1].ts == start + timedelta(seconds=179)
    assert rows[0].heart_rate == 140 and rows[0].power_w is None


async def test_a_failed_store_leaves_nothing_behind(db: AsyncSession) -> None:
    user = await create_user(db)
    start = datetime(2026, 8, 1, 6, 0, tzinfo=UTC)
    samples = make_samples(start, 60)
    samples["heart_rate"] = samples["heart_rate"][:-1]  # one value short: a broken decoder output
    before = (await db.execute(select(func.count()).select_from(Activity))).scalar_one()
    async with db.begin_nested() as unit:  # the caller's unit of work
        with pytest.raises(ValueError, match="heart_rate has 59 values for 60"):
            await store_activity(
                db,
                user.id,
                NewActivity(
                    fields={"source": "test", "sport": "running", "start_time": start}, samples=samples
                ),
            )
        await unit.rollback()
    assert (await db.execute(select(func.count()).select_from(Activity))).scalar_one() == before
    stmt = select(func.count()).select_from(activity_samples).where(activity_samples.c.user_id == user.id)
    assert (await db.execute(stmt)).scalar_one() == 0


async def test_the_same_start_time_cannot_be_stored_twice_for_one_user(db: AsyncSession) -> None:
    from sqlalchemy.exc import IntegrityError

    user = await create_user(db)
    other = await create_user(db)
    start = datetime(2026, 7, 5, 7, 0, tzinfo=UTC)
    await create_activity(db, user, start=start, seconds=10)
    await create_activity(db, other, start=start, seconds=10)  # another athlete: fine
    with pytest.raises(IntegrityError):
        async with db.begin_nested():
            await create_activity(db, user, start=start, seconds=10)


async def test_laps_and_legs_are_linked(db: AsyncSession) -> None:
    user = await create_user(db)
    start = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    leg = NewActivity(fields={"sport": "cycling", "start_time": start}, samples=make_samples(start, 30))
    parent = await store_activity(
        db,
        user.id,
        NewActivity(
            fields={"source": "test", "sport": "multisport", "start_time": start},
            laps=[{"lap_index": 0, "start_time": start, "distance_m": 90.0}],
            legs=[leg],
        ),
    )
    legs = (await db.execute(select(Activity).where(Activity.parent_id == parent.id))).scalars().all()
    assert [(a.sport, a.leg_index, a.source, a.sample_count) for a in legs] == [("cycling", 0, "test", 30)]
    laps = (await db.execute(select(Lap).where(Lap.activity_id == parent.id))).scalars().all()
    assert [lap.distance_m for lap in laps] == [90.0]


async def test_delete_removes_samples_and_is_scoped_to_the_owner(db: AsyncSession) -> None:
    owner = await create_user(db)
    stranger = await create_user(db)
    activity = await create_activity(db, owner, seconds=50)
    with pytest.raises(NotFound):
        await delete_activity(db, stranger.id, activity.id)
    assert await _sample_count(db, activity.id) == 50
    await delete_activity(db, owner.id, activity.id)
    assert await _sample_count(db, activity.id) == 0
    assert await db.get(Activity, activity.id) is None
