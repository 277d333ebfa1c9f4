"""`import_fit` on every real device file in ../shared/data/fit: stored once, totals and counts right,
broken files rejected with a reason and nothing written."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import Activity, Lap, activity_samples
from tests.factories import create_user
from tests.support.shared_data import FitFileInfo, fit_manifest
from tests.tools.activities.fit_data import NO_TIME, SALVAGED, TRUNCATED
from tools.activities.importer import import_fit

MANIFEST = fit_manifest()
#: activity files the manifest calls valid that we refuse on purpose: their records carry no time at all,
#: so the activity cannot be placed in the training history (see tests/tools/activities/fit_data.py)
DELIBERATELY_REFUSED = NO_TIME


def _importable(info: FitFileInfo) -> bool:
    return (
        "activity" in info.type.split(";")
        and (info.intent == "valid" or info.intent == "edge-case" or info.path.name in TRUNCATED)
        and info.path.name not in DELIBERATELY_REFUSED
    )


IMPORTABLE = [i for i in MANIFEST if _importable(i)]
REJECTED = [i for i in MANIFEST if not _importable(i)]


async def _counts(db: AsyncSession, user_id: int) -> tuple[int, int, int]:
    activities = await db.execute(
        select(func.count()).select_from(Activity).where(Activity.user_id == user_id)
    )
    laps = await db.execute(select(func.count()).select_from(Lap).where(Lap.user_id == user_id))
    samples = await db.execute(
        select(func.count()).select_from(activity_samples).where(activity_samples.c.user_id == user_id)
    )
    return activities.scalar_one(), laps.scalar_one(), samples.scalar_one()


@pytest.mark.parametrize("info", IMPORTABLE, ids=lambda i: i.path.name)
async def test_every_valid_activity_file_imports_once_with_its_own_totals(
    db: AsyncSession, info: FitFileInfo
) -> None:
    user = await create_user(db)
    data = info.path.read_bytes()
    result = await import_fit(db, user.id, data, filename=info.path.name)
    assert result.status == "imported", result
    activity = await db.get_one(Activity, result.activity_id)
    assert activity.import_warnings == result.warnings
    if info.path.name in TRUNCATED:
        assert any("incomplete" in w for w in activity.import_warnings), "a salvaged file says so"
    # the Strava-app file breaks mid-stream: the record that ran into the break is dropped (fit_data.SALVAGED)
    records = SALVAGED.get(info.path.name, int(info.row["record_msgs"]))
    activities, laps, samples = await _counts(db, user.id)
    assert samples == records == result.samples, "one stored sample per FIT record"
    assert laps == int(info.row["lap_msgs"])
    expected_sport = info.row["sport"]
    if int(info.row["session_msgs"] or 0) > 1:
        assert activity.sport == "multisport" and activities == 1 + int(info.row["session_msgs"])
    elif expected_sport:
        assert activity.sport == expected_sport
    again = await import_fit(db, user.id, data, filename=info.path.name)
    assert (again.status, again.activity_id) == ("already_imported", activity.id)
    assert await _counts(db, user.id) == (activities, laps, samples)


@pytest.mark.parametrize("info", REJECTED, ids=lambda i: i.path.name)
async def test_broken_and_non_activity_files_are_rejected_with_nothing_written(
    db: AsyncSession, info: FitFileInfo
) -> None:
    user = await create_user(db)
    with pytest.raises(InvalidInput) as caught:
        await import_fit(db, user.id, info.path.read_bytes(), filename=info.path.name)
    assert info.path.name in caught.value.message, "the error names the file"
    assert await _counts(db, user.id) == (0, 0, 0)


async def test_one_activity_from_two_files_is_stored_once(db: AsyncSession) -> None:
    """`activity-settings.fit` holds the same recording as `Activity.fit` (plus settings)."""
    by_name = {i.path.name: i for i in MANIFEST}
    user = await create_user(db)
    first = await import_fit(db, user.id, by_name["Activity.fit"].path.read_bytes(), filename="Activity.fit")
    second = await import_fit(
        db, user.id, by_name["activity-settings.fit"].path.read_bytes(), filename="activity-settings.fit"
    )
    assert (second.status, second.activity_id) == ("already_imported", first.activity_id)


def test_the_manifest_covers_every_kind_of_file() -> None:
    kinds = Counter((i.type, i.intent.split("(")[0]) for i in MANIFEST)
    assert kinds[("activity", "valid")] >= 20 and kinds[("activity", "corrupt")] >= 5
    assert len(IMPORTABLE) + len(REJECTED) == len(MANIFEST)


async def test_a_salvaged_file_is_stored_with_its_warning_and_a_summary_only_file_without_samples(
    db: AsyncSession,
) -> None:
    from tests.tools.activities.fit_writer import ENUM, FIT_2020, UINT32, FitWriter, activity

    user = await create_user(db)
    session = [(253, UINT32, FIT_2020 + 1800), (2, UINT32, FIT_2020), (5, ENUM, 1), (7, UINT32, 1_800_000)]
    summary = FitWriter().file_id().message(18, session).bytes()
    result = await import_fit(db, user.id, summary, filename="summary.fit")
    stored = await db.get_one(Activity, result.activity_id)
    assert (result.status, stored.sample_count, stored.elapsed_s) == ("imported", 0, 1800.0)
    assert any("only the activity's summary" in w for w in stored.import_warnings)
    glitch = activity([FIT_2020 + 7200, FIT_2020 + 7201, FIT_2020 - 86400 * 700, FIT_2020 + 7202])
    result = await import_fit(db, user.id, glitch, filename="glitch.fit")
    stored = await db.get_one(Activity, result.activity_id)
    assert (result.status, stored.sample_count) == ("imported", 3)
    assert any("1 sample(s) with an impossible time" in w for w in stored.import_warnings)
