"""Two real FIT activity files chained into one (legal in the FIT protocol) are read as their two activities,
each the same as its file imported alone; chained files that are one activity stay one; a chain with a
damaged part is refused whole."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import Activity, activity_samples
from tests.factories import create_user
from tests.support.shared_data import require
from tools.activities.fit.chain import activity_parts, parts
from tools.activities.importer import import_file

FILES = "fit/fitdecode/tests/files"
RUN, WALK = f"{FILES}/garmin-fenix-5-run.fit", f"{FILES}/garmin-fenix-5-walk.fit"


async def _activities(db: AsyncSession, user_id: int) -> list[Activity]:
    rows = await db.execute(
        select(Activity)
        .where(Activity.user_id == user_id, Activity.parent_id.is_(None))
        .order_by(Activity.id)
    )
    return list(rows.scalars())


async def _samples(db: AsyncSession, user_id: int) -> int:
    query = select(func.count()).select_from(activity_samples).where(activity_samples.c.user_id == user_id)
    return (await db.execute(query)).scalar_one()


async def test_two_chained_activity_files_are_read_as_their_two_activities(db: AsyncSession) -> None:
    run, walk = require(RUN).read_bytes(), require(WALK).read_bytes()
    chained = run + walk
    assert parts(chained) == [run, walk] and activity_parts(chained) == [run, walk]

    alone = await create_user(db)
    singles = [
        await import_file(db, alone.id, data, filename=n) for n, data in (("r.fit", run), ("w.fit", walk))
    ]

    user = await create_user(db)
    result = await import_file(db, user.id, chained, filename="both.fit", name="Brick")
    stored = await _activities(db, user.id)
    assert [(a.sport, a.sample_count, a.start_time) for a in stored] == [
        (s.sport, s.samples, s.start_time) for s in singles
    ], "each activity exactly as its own file gives it"
    assert (result.status, result.activity_id, result.samples) == (
        "imported",
        stored[0].id,
        sum(s.samples for s in singles),
    )
    assert result.warnings[0] == (
        f"both.fit chains 2 FIT activities; each is stored on its own (activities {stored[0].id}, "
        f"{stored[1].id})."
    )
    assert await _samples(db, user.id) == sum(a.sample_count for a in stored) > 30
    for i, activity in enumerate(stored, 1):
        assert activity.name == "Brick"
        assert activity.import_warnings[-1] == (
            f"Read from both.fit, a chained FIT file holding 2 activities: this is activity {i} of 2."
        )
    assert all("impossible time" not in w for a in stored for w in a.import_warnings), (
        "no sample dropped: each part keeps its own clock"
    )

    again = await import_file(db, user.id, chained, filename="both.fit")
    assert (again.status, again.activity_id) == ("already_imported", stored[0].id)
    walk_alone = await import_file(db, user.id, walk, filename="walk.fit")
    assert (walk_alone.status, walk_alone.activity_id) == ("already_imported", stored[1].id)
    assert len(await _activities(db, user.id)) == 2


@pytest.mark.parametrize(
    "name",
    ["activity-settings.fit", "event_timestamp.fit", "garmin-fr935-cr.fit"],
)
def test_a_chain_that_is_one_activity_with_extra_parts_stays_one_file(name: str) -> None:
    data = require(f"{FILES}/{name}").read_bytes()
    assert len(parts(data)) > 1 and activity_parts(data) == [data]


async def test_a_chain_whose_second_part_is_damaged_is_refused_whole(db: AsyncSession) -> None:
    run = require(RUN).read_bytes()
    walk = bytearray(require(WALK).read_bytes())
    walk[-1] ^= 0xFF  # the second file's checksum no longer matches
    user = await create_user(db)
    with pytest.raises(InvalidInput, match=r"checksum does not match.*chained part 2"):
        await import_file(db, user.id, run + bytes(walk), filename="both.fit")
    assert await _activities(db, user.id) == [] and await _samples(db, user.id) == 0
