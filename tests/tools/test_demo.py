"""The demo athlete: real generated training stored through the product's own paths, seeded once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity, ActivityComment, DailyHealth, Gear, Lap, Race, activity_samples
from tools.activities.demo import seed_demo


async def test_demo_is_labelled_plausible_and_seeded_once(db: AsyncSession) -> None:
    today = date(2026, 11, 23)
    first = await seed_demo(db, "demo-test@runcoach.local", "demo-runner", weeks=3, today=today)
    assert first.created and first.user.is_demo
    assert "generated" in (first.user.display_name or "")
    activities = (await db.execute(select(Activity).where(Activity.user_id == first.user.id))).scalars().all()
    assert len(activities) == first.activities >= 10
    assert all(a.source == "demo" and (a.name or "").startswith("Demo:") for a in activities)
    assert all(a.start_time.date() < today for a in activities)
    for a in activities:
        assert a.distance_m and a.elapsed_s
        pace_s_per_km = a.elapsed_s / (a.distance_m / 1000)
        assert 240 < pace_s_per_km < 480, "a recreational runner's pace"
        assert 100 < (a.avg_hr or 0) < 188
    samples = (
        await db.execute(
            select(func.count())
            .select_from(activity_samples)
            .where(activity_samples.c.user_id == first.user.id)
        )
    ).scalar_one()
    assert samples == first.samples == sum(a.sample_count for a in activities)
    laps = (
        await db.execute(select(func.count()).select_from(Lap).where(Lap.user_id == first.user.id))
    ).scalar_one()
    assert laps >= len(activities)
    comments = await db.scalar(  # processed like an import: the feed's comment is stored, not made on read
        select(func.count()).select_from(ActivityComment).where(ActivityComment.user_id == first.user.id)
    )
    assert comments == len(activities)
    health = (
        await db.execute(
            select(func.count()).select_from(DailyHealth).where(DailyHealth.user_id == first.user.id)
        )
    ).scalar_one()
    assert health == 3 * 7 + today.weekday() + 1
    assert (await db.execute(select(Gear).where(Gear.user_id == first.user.id))).scalars().one()
    race = (await db.execute(select(Race).where(Race.user_id == first.user.id))).scalars().one()
    assert race.date > today and race.priority == "A"

    second = await seed_demo(db, "demo-test@runcoach.local", "demo-runner", weeks=3, today=today)
    assert not second.created and second.user.id == first.user.id
    again = await db.execute(
        select(func.count()).select_from(Activity).where(Activity.user_id == first.user.id)
    )
    assert again.scalar_one() == len(activities)
