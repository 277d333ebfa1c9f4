"""FIT upload → staged in PostgreSQL → one import job (a real Taskiq worker on the real Redis) → per-file
results at GET /jobs/{id}: imported, already imported, or rejected with the reason. Limits answer 413
and store nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import session_scope
from core.models import Activity, Job
from jobs.runner import run_job
from tests.api.conftest import Account, SignUp, assert_problem, client_for, login, new_email, register
from tests.api.isolation import assert_hidden_from, assert_same_as_missing
from tests.api.resources.conftest import fit_file, import_files, upload
from tests.support.worker import running_worker

GOOD = "garmin-fenix-5-run.fit"
CORRUPT = "invalid/activity-filecrc.fit"  # a bad checksum on complete data (a truncated file is salvaged)
NOT_AN_ACTIVITY = "Settings.fit"


@pytest.fixture
async def worker(engine: AsyncEngine, redis: Redis) -> AsyncIterator[None]:
    async with running_worker():
        yield


async def _poll(account: Account, url: str, within_s: float = 30) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        body: dict[str, Any] = (await account.client.get(url)).json()
        if body["state"] in ("succeeded", "failed"):
            return body
        assert asyncio.get_running_loop().time() < deadline, f"job stayed {body['state']}"
        await asyncio.sleep(0.1)


async def _staged_objects(user_id: int) -> int:
    async with session_scope() as session:
        count = await session.scalar(
            text(
                "SELECT count(*) FROM jobs j, jsonb_array_elements(j.args->'files') f, "
                "pg_largeobject_metadata m WHERE j.user_id = :u AND m.oid = (f->>'oid')::oid"
            ),
            {"u": user_id},
        )
    return int(count or 0)


async def _activities(user_id: int) -> int:
    async with session_scope() as session:
        return int(await session.scalar(select(func.count()).where(Activity.user_id == user_id)) or 0)


async def test_good_corrupt_and_non_activity_files_through_the_real_worker(
    sign_up: SignUp, worker: None
) -> None:
    me = await sign_up()
    files = [fit_file(GOOD), fit_file(CORRUPT), fit_file(NOT_AN_ACTIVITY), ("empty.fit", b"")]
    queued = await upload(me, files)
    assert queued.status_code == 202, queued.text
    body = queued.json()
    assert [f["name"] for f in body["files"]] == [
        "garmin-fenix-5-run.fit",
        "activity-filecrc.fit",
        "Settings.fit",
        "empty.fit",
    ]
    assert queued.headers["location"] == body["status_url"] == f"/api/v1/jobs/{body['job_id']}"

    job = await _poll(me, body["status_url"])
    assert job["state"] == "succeeded" and job["kind"] == "activities.import", job
    assert job["progress"] == {"phase": "done", "done": 4, "total": 4}
    good, corrupt, settings, empty = job["files"]
    assert good["status"] == "imported" and good["sport"] == "running" and good["samples"] > 0
    assert (await me.client.get(f"/api/v1/activities/{good['activity_id']}")).status_code == 200
    for rejected in (corrupt, settings, empty):
        assert rejected["status"] == "rejected" and rejected["activity_id"] is None
        assert rejected["reason"] and len(rejected["reason"]) > 20, rejected
    assert "activity" in settings["reason"].lower()
    assert job["result"]["imported"] == 1 and job["result"]["rejected"] == 3
    assert await _activities(me.user_id) == 1, "rejected files left nothing behind"
    assert await _staged_objects(me.user_id) == 0, "staged copies are dropped once imported"


async def test_the_same_file_twice_is_already_imported_with_the_same_id(sign_up: SignUp) -> None:
    me = await sign_up()
    first = await import_files(me, [fit_file(GOOD)])
    second = await import_files(me, [fit_file(GOOD), fit_file(GOOD)])
    imported_id = first["files"][0]["activity_id"]
    assert [(f["status"], f["activity_id"]) for f in second["files"]] == [
        ("already_imported", imported_id),
        ("already_imported", imported_id),
    ]
    assert await _activities(me.user_id) == 1


async def test_files_are_stored_durably_before_the_job_runs_and_a_retry_resumes(sign_up: SignUp) -> None:
    me = await sign_up()
    queued = (await upload(me, [fit_file(GOOD), fit_file("garmin-fenix-5-walk.fit")])).json()
    assert await _staged_objects(me.user_id) == 2, "both files are in PostgreSQL before any worker ran"
    async with session_scope() as session:
        job = await session.get_one(Job, uuid.UUID(queued["job_id"]))
        assert job.state == "queued" and job.user_id == me.user_id
    waiting = (await me.client.get(queued["status_url"])).json()
    assert (waiting["state"], waiting["files"], waiting["progress"]["done"]) == ("queued", None, None)

    await run_job(queued["job_id"])
    done = (await me.client.get(queued["status_url"])).json()
    assert [f["status"] for f in done["files"]] == ["imported", "imported"]
    # a duplicate delivery of the finished job does nothing
    assert await run_job(queued["job_id"]) is None
    assert await _activities(me.user_id) == 2 and await _staged_objects(me.user_id) == 0


async def test_a_file_over_the_size_limit_is_413_and_nothing_is_stored(
    app_factory: Callable[..., FastAPI],
) -> None:
    app = app_factory(upload_max_file_bytes=4096, upload_max_files=2)
    async with client_for(app) as client:
        email = new_email()
        assert (await register(client, email)).status_code == 201
        signed_in = await login(client, email)
        me = Account(email, "", client, signed_in.json()["user"]["id"], signed_in.json()["csrf_token"])
        big = fit_file(GOOD)  # 5.6 kB
        assert len(big[1]) > 4096
        too_big = await upload(me, [fit_file("Activity.fit"), big])
        problem = assert_problem(too_big, 413, "payload_too_large")
        assert "garmin-fenix-5-run.fit" in problem["detail"] and "0.00390625 MB" in problem["detail"]
        too_many = await upload(me, [fit_file("Activity.fit")] * 3)
        problem = assert_problem(too_many, 413, "payload_too_large")
        assert "at most 2" in problem["detail"]
        async with session_scope() as session:
            jobs = await session.scalar(select(func.count()).where(Job.user_id == me.user_id))
        assert jobs == 0 and await _staged_objects(me.user_id) == 0


async def test_an_upload_without_files_is_a_clear_422(sign_up: SignUp) -> None:
    me = await sign_up()
    missing = await me.client.post("/api/v1/activities/import", data={"other": "x"})
    problem = assert_problem(missing, 422, "invalid_input")
    assert problem["errors"][0]["field"] == "body.files"
    as_json = await me.client.post("/api/v1/activities/import", json={"files": []})
    assert_problem(as_json, 422, "invalid_input")


async def test_someone_elses_job_is_404(sign_up: SignUp) -> None:
    owner, other = await sign_up(), await sign_up()
    queued = (await upload(owner, [fit_file(GOOD)])).json()
    path = queued["status_url"]
    await assert_hidden_from(other.client, "GET", path, leaks=[GOOD])
    await assert_same_as_missing(other.client, "GET", path, f"/api/v1/jobs/{uuid.uuid4()}")
    assert (await owner.client.get(path)).status_code == 200
    assert_problem(await owner.client.get("/api/v1/jobs/not-a-uuid"), 422, "invalid_input")
