"""Re-processing from kept originals: after a (simulated) parser change the same ids carry the new values;
gear links, notes and RPE stay; the real parser brings the original values back; bad cases change nothing."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.models import Activity, ActivityGear, Gear, Lap, activity_samples
from tests.factories import create_activity, create_user
from tests.support.shared_data import require
from tools.activities.fit.decode import decode_fit
from tools.activities.fit.model import ParsedActivity
from tools.activities.importer import import_fit
from tools.activities.originals import path_for
from tools.activities.repository import activities_with_originals
from tools.activities.reprocess import reprocess_activity
from tools.feed.comments import computed_comments
from tools.feed.repository import Feed

FIT = "fit/fitdecode/tests/files"
RUN = "activity-small-fenix2-run.fit"
MULTISPORT = "activity-large-fenxi2-multisport.fit"
HR_SHIFT = 7


def _shifted(parsed: ParsedActivity) -> ParsedActivity:
    """What a parser fix might do: heart rate read 7 bpm higher, distance 2 % longer, the last lap dropped."""
    samples = dataclasses.replace(
        parsed.samples,
        heart_rate=[h + HR_SHIFT if h is not None else None for h in parsed.samples.heart_rate],
        distance_m=[d * 1.02 if d is not None else None for d in parsed.samples.distance_m],
    )
    return parsed.model_copy(
        update={
            "samples": samples,
            "avg_hr": parsed.avg_hr + HR_SHIFT if parsed.avg_hr is not None else None,
            "distance_m": parsed.distance_m * 1.02 if parsed.distance_m is not None else None,
            "laps": parsed.laps[:-1],
            "legs": [_shifted(leg) for leg in parsed.legs],
        }
    )


def changed_parser(data: bytes, **kwargs: Any) -> ParsedActivity:
    return _shifted(decode_fit(data, **kwargs))


async def _sample_stats(db: AsyncSession, activity_id: int) -> tuple[int, float | None]:
    s = activity_samples
    row = (
        await db.execute(select(func.count(), func.avg(s.c.heart_rate)).where(s.c.activity_id == activity_id))
    ).one()
    return int(row[0]), float(row[1]) if row[1] is not None else None


async def _laps(db: AsyncSession, activity_id: int) -> int:
    return (
        await db.execute(select(func.count()).select_from(Lap).where(Lap.activity_id == activity_id))
    ).scalar_one()


async def _import(db: AsyncSession, user_id: int, name: str) -> Activity:
    result = await import_fit(db, user_id, require(f"{FIT}/{name}").read_bytes(), filename=name)
    assert result.activity_id is not None
    activity = await db.get(Activity, result.activity_id)
    assert activity is not None
    return activity


async def test_a_parser_change_gives_new_values_under_the_same_ids(db: AsyncSession) -> None:
    user = await create_user(db, max_hr=190, resting_hr=50, lthr=170)
    shoe = Gear(user_id=user.id, name="Trainer", default_for_sport="running")
    db.add(shoe)
    await db.flush()
    run = await _import(db, user.id, RUN)
    run.notes, run.rpe, run.name = "felt good", 4, "Sunday loop"
    await db.flush()
    count, hr_before = await _sample_stats(db, run.id)
    laps_before = await _laps(db, run.id)
    distance, load = run.distance_m, run.training_load
    assert hr_before is not None and distance is not None and load is not None
    comment_before = (await computed_comments(Feed(db, user.id), {user.id: user}, [run]))[run.id].body

    result = await reprocess_activity(db, user.id, run.id, decode=changed_parser)

    assert result.status == "reprocessed" and result.samples_before == result.samples_after == count
    assert {"avg_hr", "distance_m"} <= set(result.changed)
    await db.refresh(run)
    assert run.id == result.activity_id and run.distance_m == pytest.approx(distance * 1.02)
    after_count, hr_after = await _sample_stats(db, run.id)
    assert after_count == count and hr_after == pytest.approx(hr_before + HR_SHIFT)
    assert await _laps(db, run.id) == laps_before - 1
    assert run.training_load is not None and run.training_load > load  # higher heart rate, more load
    assert (run.notes, run.rpe, run.name) == ("felt good", 4, "Sunday loop")
    links = (
        await db.execute(select(ActivityGear.gear_id).where(ActivityGear.activity_id == run.id))
    ).scalars()
    assert list(links) == [shoe.id]
    comment_after = (await computed_comments(Feed(db, user.id), {user.id: user}, [run]))[run.id].body
    assert f"{run.avg_hr:.0f}" in comment_after and comment_after != comment_before  # the feed follows

    back = await reprocess_activity(db, user.id, run.id)  # the real parser again: the original values
    assert back.status == "reprocessed"
    await db.refresh(run)
    assert run.distance_m == pytest.approx(distance) and run.training_load == pytest.approx(load)
    assert (await _sample_stats(db, run.id))[1] == pytest.approx(hr_before)
    assert await _laps(db, run.id) == laps_before


async def test_multisport_legs_keep_their_ids(db: AsyncSession) -> None:
    user = await create_user(db)
    parent = await _import(db, user.id, MULTISPORT)
    legs_query = select(Activity.id, Activity.leg_index, Activity.distance_m).where(
        Activity.parent_id == parent.id
    )
    legs = {row[0]: (row[1], row[2]) for row in (await db.execute(legs_query)).all()}
    assert len(legs) >= 2

    result = await reprocess_activity(db, user.id, parent.id, decode=changed_parser)

    assert result.status == "reprocessed"
    db.expire_all()
    after = {row[0]: (row[1], row[2]) for row in (await db.execute(legs_query)).all()}
    assert set(after) == set(legs)
    for leg_id, (index, leg_distance) in legs.items():
        assert after[leg_id][0] == index
        if leg_distance:
            assert after[leg_id][1] == pytest.approx(leg_distance * 1.02)


async def test_what_cannot_be_reprocessed_is_reported_and_left_alone(db: AsyncSession) -> None:
    user = await create_user(db)
    no_file = await create_activity(db, user)
    assert (await reprocess_activity(db, user.id, no_file.id)).status == "skipped"

    run = await _import(db, user.id, RUN)
    assert run.file_sha256 is not None
    stored = path_for(run.file_sha256)
    original = stored.read_bytes()
    count, hr = await _sample_stats(db, run.id)
    try:
        stored.write_bytes(original[:-40] + b"\0" * 40)  # damaged on disk
        damaged = await reprocess_activity(db, user.id, run.id, decode=changed_parser)
        assert damaged.status == "failed" and "damaged" in (damaged.reason or "")
        stored.unlink()
        missing = await reprocess_activity(db, user.id, run.id, decode=changed_parser)
        assert missing.status == "skipped" and "not stored" in (missing.reason or "")
    finally:
        stored.write_bytes(original)
    assert await _sample_stats(db, run.id) == (count, hr)

    stranger = await create_user(db)
    with pytest.raises(NotFound):
        await reprocess_activity(db, stranger.id, run.id)
    assert [a for a, _ in await activities_with_originals(db, user.id)] == [run.id]
    assert await activities_with_originals(db, stranger.id) == []
