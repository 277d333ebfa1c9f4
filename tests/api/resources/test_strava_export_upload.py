"""A Strava export zip through the web upload: checked before anything is stored (a hostile zip is a 422
with the reason, no job, no staged copy), then one import job whose per-file results the job page shows."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from core.database import session_scope
from core.models import Activity, Job
from jobs.runner import run_job
from tests.api.conftest import SignUp, assert_problem
from tests.api.resources.conftest import upload
from tests.tools.activities.strava_export import LOOSE, ROWS, build_export


async def _count(model: type[Activity] | type[Job], user_id: int) -> int:
    async with session_scope() as session:
        return int(await session.scalar(select(func.count()).where(model.user_id == user_id)) or 0)


async def test_an_export_zip_upload_is_one_job_with_per_file_results(sign_up: SignUp, tmp_path: Path) -> None:
    me = await sign_up()
    export = build_export(tmp_path / "export_1.zip", ROWS, loose=LOOSE)
    queued = await upload(me, [(export.name, export.read_bytes())])
    assert queued.status_code == 202, queued.text
    body = queued.json()
    assert body["files"] == [{"name": "export_1.zip", "size": export.stat().st_size}]
    await run_job(body["job_id"])
    job = (await me.client.get(body["status_url"])).json()
    assert job["kind"] == "activities.import_archive" and job["state"] == "succeeded", job
    assert job["progress"] == {"phase": "done", "done": 10, "total": 10}
    counts = job["result"]
    assert (counts["imported"], counts["already_imported"], counts["rejected"]) == (7, 1, 2)
    assert {f["file"] for f in job["files"]} >= {"activities/1001.fit.gz", "activities.csv: 1009 (no file)"}
    listed = (await me.client.get("/api/v1/activities", params={"limit": 50})).json()
    assert listed["total"] == 7 and {a["source"] for a in listed["items"]} == {"strava_export"}


async def test_a_hostile_zip_upload_is_422_and_nothing_is_stored(sign_up: SignUp, tmp_path: Path) -> None:
    me = await sign_up()
    hostile = build_export(tmp_path / "export_2.zip", ROWS[:1], extra={"activities/../../x.fit": b"x"})
    refused = await upload(me, [(hostile.name, hostile.read_bytes())])
    problem = assert_problem(refused, 422, "archive_refused")
    assert "outside the archive" in problem["detail"] and "../../x.fit" in problem["detail"]
    assert await _count(Job, me.user_id) == 0 and await _count(Activity, me.user_id) == 0
