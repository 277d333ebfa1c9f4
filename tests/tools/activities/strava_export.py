"""A Strava bulk export built at test time from the shared real files (read in place, never copied into the
repository): `activities.csv` in Strava's column layout plus `activities/*` in the archive's file kinds."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.shared_data import require

HEADER = [
    "Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
    "Elapsed Time", "Distance", "Max Heart Rate", "Relative Effort", "Commute", "Activity Private Note",
    "Activity Gear", "Filename", "Athlete Weight", "Bike Weight", "Elapsed Time", "Moving Time", "Distance",
    "Max Speed", "Average Speed", "Elevation Gain", "Calories",
]  # fmt: skip


@dataclass(frozen=True)
class Row:
    strava_id: str
    source: str | None  # a shared file (relative to the shared data), or None for a manual activity
    stored_as: str | None = None  # the member name under activities/ (suffix says .gz or not)
    name: str = "Morning Run"
    kind: str = "Run"
    description: str = ""
    gear: str = ""
    date: str = "Mar 3, 2021, 6:30:00 AM"
    elapsed_s: float = 0.0
    distance_m: float = 0.0


def _csv(rows: list[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for r in rows:
        filename = f"activities/{r.stored_as}" if r.stored_as else ""
        km = f"{r.distance_m / 1000:.2f}" if r.distance_m else ""
        elapsed = f"{r.elapsed_s:.0f}" if r.elapsed_s else ""
        metres = f"{r.distance_m:.1f}" if r.distance_m else ""
        writer.writerow(
            [r.strava_id, r.date, r.name, r.kind, r.description, elapsed, km, "", "", "false", "", r.gear,
             filename, "", "", elapsed, elapsed, metres, "", "", "", ""]
        )  # fmt: skip
    return out.getvalue().encode()


def member_bytes(row: Row) -> bytes:
    assert row.source and row.stored_as
    data = require(row.source).read_bytes()
    return gzip.compress(data, mtime=0) if row.stored_as.endswith(".gz") else data


def build_export(
    path: Path,
    rows: list[Row],
    *,
    loose: dict[str, str] | None = None,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """Write `path` (a zip as Strava sends it). `loose`: member name → shared file, in activities/ but in no
    row; `extra`: raw members (media, hostile names…)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("activities.csv", _csv(rows))
        for row in rows:
            if row.source:
                zf.writestr(f"activities/{row.stored_as}", member_bytes(row))
        for name, source in (loose or {}).items():
            zf.writestr(name, require(source).read_bytes())
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


FIT = "fit/fitdecode/tests/files"
RUNS = "activity-files/sports-lib/runs"

#: the archive the tests import: FIT (gzipped and not), GPX and TCX (gzipped and not), the same run as GPX and
#: TCX (one activity), a GPX without times and a damaged FIT (refused), a manual activity, a loose file
ROWS = [
    Row("1001", f"{FIT}/garmin-fenix-5-run.fit", "1001.fit.gz", name="Tempo Tuesday",
        description="4 x 1 km at threshold", gear="Pegasus 40"),
    Row("1002", f"{FIT}/garmin-fenix-5-walk.fit", "1002.fit.gz", name="Walk with the dog", kind="Walk",
        gear="Old Boots"),
    Row("1003", f"{FIT}/activity-small-fenix2-run.fit", "1003.fit", name="Short one"),
    Row("1004", f"{RUNS}/gpx/6782987395.gpx", "1004.gpx.gz", name="Park loop"),
    Row("1005", f"{RUNS}/tcx/6782987395.tcx", "1005.tcx", name="Park loop (TCX copy)"),
    Row("1006", f"{RUNS}/tcx/1604524853.tcx", "1006.tcx.gz", name="Long run", kind="Run"),
    Row("1007", "activity-files/gpxpy/route.gpx", "1007.gpx", name="A route", kind="Hike"),
    Row("1008", f"{FIT}/invalid/activity-filecrc.fit", "1008.fit.gz", name="Broken watch file"),
    Row("1009", None, name="Treadmill 10k", kind="Run", description="Hotel gym",
        date="Mar 3, 2021, 6:30:00 AM", elapsed_s=3000, distance_m=10000),
]  # fmt: skip
LOOSE = {"activities/2001.gpx": f"{RUNS}/gpx/1681613317.gpx"}
