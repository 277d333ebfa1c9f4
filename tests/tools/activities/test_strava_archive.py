"""A Strava bulk export built from the shared real files, imported by its job on the real PostgreSQL: every
activity once (a second import adds nothing), a job killed half-way resumes without doubling or losing
anything, hostile archives (`../` names, a zip bomb) are refused with nothing written, manual activities are
kept as summaries, and names, types, descriptions and gear come from activities.csv."""

from __future__ import annotations

import asyncio
import gzip
import uuid
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import session_scope
from core.errors import InvalidInput
from core.models import Activity, ActivityComment, ActivityGear, Gear, Job, User
from core.queue.records import create_job
from jobs.runner import run_job
from tests.factories import create_user
from tests.support.shared_data import require
from tests.tools.activities.strava_export import FIT, LOOSE, ROWS, Row, build_export
from tools.activities import archive_import
from tools.activities.archive_import import ArchiveSource, local_source
from tools.activities.importer import import_file
from tools.activities.strava_archive import ArchiveRefused

EXPECTED = {
    "activities/1001.fit.gz": "imported",
    "activities/1002.fit.gz": "imported",
    "activities/1003.fit": "imported",
    "activities/1004.gpx.gz": "imported",
    "activities/1005.tcx": "already_imported",  # the same run as 1004, exported as TCX
    "activities/1006.tcx.gz": "imported",
    "activities/1007.gpx": "rejected",  # a planned route, not a recording
    "activities/1008.fit.gz": "rejected",  # a bad checksum
    "activities.csv: 1009 (no file)": "imported",  # a manual activity
    "activities/2001.gpx": "imported",  # in activities/ but in no row
}


@pytest.fixture
async def user(engine: AsyncEngine) -> AsyncIterator[User]:
    async with session_scope() as session:
        created = await create_user(session)
        session.add(Gear(user_id=created.id, name="Pegasus 40"))
    yield created
    async with session_scope() as session:
        await session.execute(text("DELETE FROM activity_samples WHERE user_id = :u"), {"u": created.id})
        await session.execute(
            text(
                "SELECT lo_unlink(m.oid) FROM jobs j, pg_largeobject_metadata m "
                "WHERE j.user_id = :u AND m.oid = (j.args->'archive'->>'oid')::oid"
            ),
            {"u": created.id},
        )
        await session.execute(text("DELETE FROM users WHERE id = :u"), {"u": created.id})


async def _run(user: User, source: ArchiveSource) -> uuid.UUID:
    async with session_scope() as session:
        job, _ = await create_job(
            session, archive_import.JOB_KIND, {"archive": source.model_dump()}, user_id=user.id
        )
    await run_job(str(job.id))
    return job.id


async def _job(job_id: uuid.UUID) -> Job:
    async with session_scope() as session:
        return await session.get_one(Job, job_id)


async def _activities(user: User) -> list[Activity]:
    async with session_scope() as session:
        rows = await session.execute(
            select(Activity).where(Activity.user_id == user.id, Activity.parent_id.is_(None))
        )
        return list(rows.scalars())


def _statuses(job: Job) -> dict[str, str]:
    assert job.result is not None, job.error
    return {f["file"]: f["status"] for f in job.result["files"]}


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return build_export(
        tmp_path / "export_12345.zip", ROWS, loose=LOOSE, extra={"media/1.jpg": b"\xff" * 500}
    )


async def test_an_export_imports_every_activity_once_and_a_second_import_adds_nothing(
    user: User, export: Path
) -> None:
    first = await _job(await _run(user, local_source(str(export), export.name)))
    assert first.state == "succeeded", first.error
    assert _statuses(first) == EXPECTED
    assert first.progress["phase"] == "done" and first.progress["done"] == len(EXPECTED)
    rejected = {f["file"]: f["reason"] for f in first.result["files"] if f["status"] == "rejected"}  # type: ignore[index]
    assert "route" in rejected["activities/1007.gpx"].lower(), rejected
    assert len(rejected["activities/1008.fit.gz"]) > 20
    stored = await _activities(user)
    assert len(stored) == 7 and {a.source for a in stored} == {"strava_export"}

    second = await _job(await _run(user, local_source(str(export), export.name)))
    assert second.state == "succeeded", second.error
    again = _statuses(second)
    assert again == {k: ("rejected" if v == "rejected" else "already_imported") for k, v in EXPECTED.items()}
    ids = {f["file"]: f["activity_id"] for f in first.result["files"]}  # type: ignore[index]
    assert all(f["activity_id"] == ids[f["file"]] for f in second.result["files"])  # type: ignore[index]
    assert len(await _activities(user)) == 7


async def test_names_types_descriptions_gear_and_the_manual_activity_come_from_the_csv(
    user: User, export: Path
) -> None:
    job = await _job(await _run(user, local_source(str(export), export.name)))
    by_file = {f["file"]: f for f in job.result["files"]}  # type: ignore[index]
    async with session_scope() as session:
        tempo = await session.get_one(Activity, by_file["activities/1001.fit.gz"]["activity_id"])
        walk = await session.get_one(Activity, by_file["activities/1002.fit.gz"]["activity_id"])
        manual = await session.get_one(Activity, by_file["activities.csv: 1009 (no file)"]["activity_id"])
        gear = await session.scalar(
            select(Gear.name)
            .join(ActivityGear, ActivityGear.gear_id == Gear.id)
            .where(ActivityGear.activity_id == tempo.id)
        )
        samples = await session.scalar(
            text("SELECT count(*) FROM activity_samples WHERE activity_id = :a"), {"a": manual.id}
        )
        comment = await session.scalar(
            select(ActivityComment.body).where(
                ActivityComment.activity_id == manual.id, ActivityComment.kind == "computed"
            )
        )
    assert comment is not None and "10" in comment, "the feed's comment is stored with the manual activity"
    assert (tempo.name, tempo.external_id, tempo.notes) == ("Tempo Tuesday", "1001", "4 x 1 km at threshold")
    assert gear == "Pegasus 40", "gear named in the CSV is linked to the athlete's gear of that name"
    assert walk.name == "Walk with the dog" and walk.sport == "walking"
    assert walk.notes == "Gear on Strava: Old Boots", "unknown gear is kept as a note"
    assert (manual.source, manual.name, manual.sport, manual.notes) == (
        "strava_export",
        "Treadmill 10k",
        "running",
        "Hotel gym",
    )
    assert (manual.distance_m, manual.elapsed_s, manual.sample_count, samples) == (10000.0, 3000.0, 0, 0)
    assert manual.start_time.isoformat() == "2021-03-03T06:30:00+00:00"


async def test_a_job_killed_half_way_resumes_without_doubling_or_losing_anything(
    user: User, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive_import, "COMMIT_EVERY", 1)  # commit each item, so the kill lands between
    source = local_source(str(export), export.name)
    async with session_scope() as session:
        job, _ = await create_job(
            session, archive_import.JOB_KIND, {"archive": source.model_dump()}, user_id=user.id
        )
    running = asyncio.create_task(run_job(str(job.id)))
    deadline = asyncio.get_running_loop().time() + 60
    while (done := (await _job(job.id)).progress.get("done") or 0) < 3:
        assert not running.done() and asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.01)
    running.cancel()  # what a stopping worker does to a job past its grace; the item in flight rolls back
    await asyncio.gather(running, return_exceptions=True)
    killed = await _job(job.id)
    done = killed.progress["done"]
    assert killed.state == "running" and 3 <= done < len(EXPECTED), killed.progress
    committed = [f for f in killed.progress["files"] if f["status"] == "imported"]
    assert len(await _activities(user)) == len(committed), "exactly the committed items are stored"

    await run_job(str(job.id))  # the redelivery
    resumed = await _job(job.id)
    assert resumed.state == "succeeded" and resumed.attempts == 2, resumed.error
    assert _statuses(resumed) == EXPECTED, "every item once, none doubled, none lost"
    assert resumed.result["files"][:done] == killed.progress["files"]  # type: ignore[index]
    assert len(await _activities(user)) == 7


async def test_a_zip_with_parent_directory_members_is_refused_and_nothing_is_written(
    user: User, tmp_path: Path
) -> None:
    hostile = build_export(
        tmp_path / "export_evil.zip", ROWS[:2], extra={"../../etc/cron.d/evil": b"* * * * * root sh\n"}
    )
    with pytest.raises(ArchiveRefused, match=r"outside the archive \(\.\./\.\./etc/cron\.d/evil\)"):
        archive_import.check_archive(hostile.open("rb"), hostile.name)
    absolute = build_export(tmp_path / "export_abs.zip", ROWS[:1], extra={"/tmp/x.fit": b"x"})
    with pytest.raises(ArchiveRefused, match="outside the archive"):
        archive_import.check_archive(absolute.open("rb"), absolute.name)

    job = await _job(await _run(user, local_source(str(hostile), hostile.name)))
    assert job.state == "failed" and "outside the archive" in (job.error or ""), job
    assert await _activities(user) == []


async def test_a_zip_bomb_is_refused_before_anything_is_unpacked(user: User, tmp_path: Path) -> None:
    bomb = tmp_path / "export_bomb.zip"
    build_export(bomb, ROWS[:1])
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("activities/9999.fit", b"\0" * (24 << 20))  # 24 MB of zeros pack to ~24 kB
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(ArchiveRefused, match=r"activities/9999\.fit unpacks \d+× larger.*zip bomb"):
        archive_import.check_archive(bomb.open("rb"), bomb.name)
    job = await _job(await _run(user, local_source(str(bomb), bomb.name)))
    assert job.state == "failed" and "zip bomb" in (job.error or "")
    assert await _activities(user) == []


async def test_a_staged_archive_imports_and_its_staged_copy_is_dropped(user: User, export: Path) -> None:
    async with session_scope() as session:
        with export.open("rb") as fh:
            staged = await archive_import.stage_archive(session, fh, export.name)
    assert staged.oid is not None and staged.size == export.stat().st_size  # noqa: ASYNC240
    job = await _job(await _run(user, staged))
    assert job.state == "succeeded" and _statuses(job) == EXPECTED
    async with session_scope() as session:
        left = await session.scalar(
            select(func.count())
            .select_from(text("pg_largeobject_metadata"))
            .where(text(f"oid = {staged.oid}"))
        )
    assert left == 0


def _rows_only_manual() -> list[Row]:
    return [r for r in ROWS if r.source is None]


async def test_an_export_of_manual_activities_only_keeps_them_as_summaries(
    user: User, tmp_path: Path
) -> None:
    path = build_export(tmp_path / "export_manual.zip", _rows_only_manual())
    job = await _job(await _run(user, local_source(str(path), path.name)))
    assert _statuses(job) == {"activities.csv: 1009 (no file)": "imported"}
    [manual] = await _activities(user)
    assert manual.sample_count == 0 and manual.import_warnings, manual
    again: dict[str, Any] = _statuses(await _job(await _run(user, local_source(str(path), path.name))))
    assert again == {"activities.csv: 1009 (no file)": "already_imported"}


async def test_runcoach_import_takes_an_export_zip_and_prints_each_activity(
    user: User, export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse
    import json

    from cli.admin import _import

    args = argparse.Namespace(files=[str(export)], user=user.email, as_json=True)
    assert await _import(args) == 1, "two members are refused: the exit status says so"
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {line["file"]: line["status"] for line in lines} == EXPECTED
    assert await _import(args) == 1
    again = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {line["status"] for line in again} == {"already_imported", "rejected"}
    assert len(await _activities(user)) == 7


async def test_a_damaged_file_mid_archive_is_refused_as_import_file_refuses_it_and_the_others_are_kept(
    user: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job decodes the next files in a worker process while it stores the current one: a damaged FIT
    and a damaged gzip between good files are refused with exactly `import_file`'s reason for the same
    bytes, nothing of them is stored, and the files around them (across batches) are."""
    monkeypatch.setattr(archive_import, "COMMIT_EVERY", 2)
    good = [r for r in ROWS if r.strava_id in ("1001", "1002", "1003")]
    damaged = next(r for r in ROWS if r.strava_id == "1008")
    rows = [good[0], damaged, good[1], Row("1010", None, "1010.fit.gz", name="Cut short"), good[2]]
    cut = gzip.compress(require(good[2].source or "").read_bytes(), mtime=0)[:-40]  # a damaged wrapper
    export = build_export(tmp_path / "export_damaged.zip", rows, extra={"activities/1010.fit.gz": cut})

    job = await _job(await _run(user, local_source(str(export), export.name)))
    assert job.state == "succeeded", job.error
    files = job.result["files"]  # type: ignore[index]
    assert [f["status"] for f in files] == ["imported", "rejected", "imported", "rejected", "imported"]
    for f, member in ((files[1], "activities/1008.fit.gz"), (files[3], "activities/1010.fit.gz")):
        with zipfile.ZipFile(export) as zf:
            data = zf.read(member)
        async with session_scope() as session:
            with pytest.raises(InvalidInput) as refused:
                await import_file(session, user.id, data, filename=member.rsplit("/", 1)[1])
            await session.rollback()
        assert f["reason"] == refused.value.message, member
    assert len(await _activities(user)) == 3


async def test_runcoach_import_of_several_files_decodes_ahead_and_says_each_in_its_place(
    user: User, export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The files after the current one are decoded in a worker process: each result is still printed in
    order, a damaged file and a path that cannot be read are refused in their place with the reasons the
    import gives one by one, and a zip among the files runs as its job."""
    import argparse
    import json

    from cli.admin import _import

    ride, bike = (require(f"{FIT}/{n}") for n in ("garmin-fenix-5-bike.fit", "Activity.fit"))
    damaged = require(next(r.source or "" for r in ROWS if r.strava_id == "1008"))
    names = [str(ride), str(damaged), str(tmp_path / "missing.fit"), str(export), str(bike)]
    args = argparse.Namespace(files=names, user=user.email, as_json=True)
    assert await _import(args) == 1
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    statuses = [(line["file"], line["status"]) for line in lines]
    assert statuses[:2] == [(str(ride), "imported"), (str(damaged), "rejected")]
    assert statuses[2] == (names[2], "rejected") and "cannot read the file" in lines[2]["reason"]
    assert {f: s for f, s in statuses[3:-1]} == EXPECTED, "the zip's own items, from its job"
    assert statuses[-1] == (str(bike), "imported")
    async with session_scope() as session:
        with pytest.raises(InvalidInput) as refused:
            await import_file(session, user.id, damaged.read_bytes(), filename=damaged.name)
        await session.rollback()
    assert lines[1]["reason"] == refused.value.message
