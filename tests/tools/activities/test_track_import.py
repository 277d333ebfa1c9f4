"""GPX and TCX through the real import path (`import_file`, the one every entry uses): each shared file
imported with its samples or refused with its reason, once, with nothing written for a refusal."""

from __future__ import annotations

import gzip

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import Activity, Lap, activity_samples
from tests.factories import create_user
from tests.support.shared_data import activity_files, require
from tools.activities.importer import import_file
from tools.activities.originals import load_original

#: files that are not recorded activities, and the words of the reason each is refused with
REFUSED = {
    "gpxpy/Mojstrovka.gpx": "not real dates",
    "gpxpy/custom_schema_locations.gpx": "no track points",
    "gpxpy/default_schema_locations.gpx": "no track points",
    "gpxpy/gpx-with-node-with-comments.gpx": "fewer than two timed",
    "gpxpy/gpx1.0_with_all_fields.gpx": "fewer than two timed",
    "gpxpy/gpx1.1_with_all_fields.gpx": "fewer than two timed",
    "gpxpy/gpx1.1_with_extensions.gpx": "waypoint",
    "gpxpy/gpx1.1_with_extensions_without_namespaces.gpx": "waypoint",
    "gpxpy/gpx_with_garmin_extension.gpx": "waypoint",
    "gpxpy/route.gpx": "planned route",
    "gpxpy/track-with-extremes.gpx": "carry no times",
    "gpxpy/track-with-small-floats.gpx": "carry no times",
    "gpxpy/track_with_dilution_errors.gpx": "carry no times",
    "gpxpy/unicode.gpx": "waypoint",
    "gpxpy/unicode2.gpx": "no track points",
    "gpxpy/unicode_with_bom.gpx": "waypoint",
    "gpxpy/unicode_with_bom_noencoding.gpx": "waypoint",
}
#: what the sports-lib recordings must carry (sport, and the sensor columns present in their samples)
CHANNELS = {
    "sports-lib/rides/gpx/6909869014.gpx": ("cycling", {"heart_rate", "cadence", "power_w"}),
    "sports-lib/rides/gpx/7555261629.gpx": ("cycling", {"heart_rate", "cadence", "power_w", "temperature_c"}),
    "sports-lib/rides/tcx/6823905801.tcx": ("cycling", {"heart_rate", "cadence", "power_w", "distance_m"}),
    "sports-lib/runs/gpx/6782987395.gpx": ("running", {"heart_rate", "cadence", "distance_m"}),
    "sports-lib/runs/tcx/6782987395.tcx": ("running", {"heart_rate", "cadence", "speed_mps"}),
    "sports-lib/runs/tcx/1604524853.tcx": ("running", {"heart_rate", "cadence"}),
    "sports-lib/runs/gpx/6037744996.gpx": ("running", {"cadence"}),  # Strava GPX, undeclared gpxdata:
    "sports-lib/swim/gpx/6090674952.gpx": ("generic", {"heart_rate"}),
    "sports-lib/swim/gpx/4623204522-1.gpx": ("swimming", {"heart_rate"}),  # Strava <type>16</type>
}


async def _counts(db: AsyncSession, user_id: int) -> tuple[int, int, int]:
    return (
        (
            await db.execute(select(func.count()).select_from(Activity).where(Activity.user_id == user_id))
        ).scalar_one(),
        (await db.execute(select(func.count()).select_from(Lap).where(Lap.user_id == user_id))).scalar_one(),
        (
            await db.execute(
                select(func.count())
                .select_from(activity_samples)
                .where(activity_samples.c.user_id == user_id)
            )
        ).scalar_one(),
    )


@pytest.mark.parametrize("relative", activity_files())
async def test_every_shared_gpx_and_tcx_file_imports_once_or_is_refused_with_its_reason(
    db: AsyncSession, relative: str
) -> None:
    path = require(f"activity-files/{relative}")
    data = path.read_bytes()
    user = await create_user(db)
    if relative in REFUSED:
        with pytest.raises(InvalidInput, match=REFUSED[relative]) as caught:
            await import_file(db, user.id, data, filename=path.name)
        assert path.name in caught.value.message
        assert await _counts(db, user.id) == (0, 0, 0)
        return
    result = await import_file(db, user.id, data, filename=path.name)
    assert result.status == "imported", result
    activity = await db.get_one(Activity, result.activity_id)
    counts = await _counts(db, user.id)
    assert counts[0] == 1 and counts[2] == result.samples == activity.sample_count > 1
    assert activity.distance_m and activity.distance_m > 0 and activity.elapsed_s and activity.elapsed_s > 0
    assert activity.import_warnings == result.warnings
    assert load_original(activity.file_sha256 or "") == data, "the original is kept byte for byte"
    if relative in CHANNELS:
        sport, channels = CHANNELS[relative]
        assert activity.sport == sport
        for column in channels:
            present = (
                await db.execute(
                    select(func.count())
                    .select_from(activity_samples)
                    .where(
                        activity_samples.c.activity_id == activity.id,
                        getattr(activity_samples.c, column).is_not(None),
                    )
                )
            ).scalar_one()
            assert present > activity.sample_count // 2, f"{column}: {present} of {activity.sample_count}"
    again = await import_file(db, user.id, data, filename=path.name)
    assert (again.status, again.activity_id) == ("already_imported", activity.id)
    gzipped = await import_file(db, user.id, gzip.compress(data), filename=path.name + ".gz")
    assert (gzipped.status, gzipped.activity_id) == ("already_imported", activity.id)
    assert await _counts(db, user.id) == counts


async def test_the_same_run_as_gpx_and_as_tcx_is_stored_once(db: AsyncSession) -> None:
    gpx = require("activity-files/sports-lib/runs/gpx/6782987395.gpx")
    tcx = require("activity-files/sports-lib/runs/tcx/6782987395.tcx")
    user = await create_user(db)
    first = await import_file(db, user.id, tcx.read_bytes(), filename=tcx.name)
    second = await import_file(db, user.id, gpx.read_bytes(), filename=gpx.name)
    assert first.status == "imported" and (second.status, second.activity_id) == (
        "already_imported",
        first.activity_id,
    )
    assert (await _counts(db, user.id))[0] == 1
    laps = (await db.execute(select(Lap).where(Lap.activity_id == first.activity_id))).scalars().all()
    assert len(laps) == 2 and all(lap.distance_m and lap.avg_hr for lap in laps), "TCX laps with their totals"


async def test_a_shifted_export_of_the_same_ride_is_recognised_by_overlap(db: AsyncSession) -> None:
    """A GPX export starting 40 s after the TCX (first GPS fix): not the same start, same workout."""
    tcx = require("activity-files/sports-lib/rides/tcx/6791039036.tcx")
    gpx = require("activity-files/sports-lib/rides/gpx/3939576645.gpx")
    user = await create_user(db)
    first = await import_file(db, user.id, tcx.read_bytes(), filename=tcx.name)
    # the first point stamped 40 s later: the 40 s of points before it are then out of order and dropped
    shifted = gpx.read_bytes().replace(b"<time>2019-08-11T12:52:20", b"<time>2019-08-11T12:53:00", 1)
    second = await import_file(db, user.id, shifted, filename=gpx.name)
    assert (second.status, second.activity_id) == ("already_imported", first.activity_id)


async def test_a_different_workout_in_the_same_hour_is_not_taken_for_a_duplicate(db: AsyncSession) -> None:
    run = require("activity-files/sports-lib/runs/tcx/6782987395.tcx").read_bytes()
    user = await create_user(db)
    first = await import_file(db, user.id, run, filename="a.tcx")
    # the same file moved two hours earlier: a different workout that day, not a copy
    later = run.replace(b"2019-06-15T09:", b"2019-06-15T07:").replace(b"2019-06-15T10:", b"2019-06-15T08:")
    later = later.replace(b"2019-06-15T11:", b"2019-06-15T09:")
    second = await import_file(db, user.id, later, filename="b.tcx")
    assert second.status == "imported" and second.activity_id != first.activity_id
