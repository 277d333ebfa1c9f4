"""A `runcoach worker` killed (SIGKILL) in the middle of a FIT import job with several files.

Promise (issue 9): the job is picked up again once the visibility timeout has passed — by another worker,
with nobody re-sending anything — and finishes; every activity is stored exactly once.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import Account, sign_up, until
from tests.faults.stack import Role, Stack, job_ended
from tests.support.shared_data import require

pytestmark = pytest.mark.slow

#: four real activities (1.6-3.4 k records each), decoded with the slower reference decoder so that the
#: kill lands in the middle of the job
FILES = (
    "fitdecode/tests/files/activity-small-fenix2-run.fit",
    "fitdecode/tests/files/sample-activity.fit",
    "fitdecode/tests/files/developer-types-sample.fit",
    "fitdecode/tests/files/20170518-191602-1740899583.fit",
)
VISIBILITY_TIMEOUT_S = 3
WORKER_ENV = {
    "RUNCOACH_JOB_VISIBILITY_TIMEOUT_S": str(VISIBILITY_TIMEOUT_S),
    "RUNCOACH_FIT_DECODER": "fitparse",
}
#: bounds on waiting (a hang fails the test); not timing figures
WAIT_S = 90.0


@dataclass
class Midway:
    """An import job of FILES that one of two workers has started: some files committed, not all."""

    job_id: uuid.UUID
    job: dict[str, Any]
    taken_by: Role
    workers: list[Role]
    account: Account
    paths: list[Path]


async def import_midway(stack: Stack, accounts: list[Account], worker_env: dict[str, str]) -> Midway:
    """An api and two workers (as when workers are scaled out), a new account uploading FILES, and the job
    half way on the worker that took it."""
    paths = [require(f"fit/{name}") for name in FILES]
    roles = [
        stack.role("api", ready=False),
        *(stack.role("worker", env=worker_env, ready=False) for _ in "ab"),
    ]
    for role in roles:
        await asyncio.to_thread(role.wait_ready)
    api, workers = roles[0], roles[1:]
    account = await sign_up(api.url or "")
    accounts.append(account)
    upload = await account.client.post(
        "/api/v1/activities/import",
        files=[("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths],
    )
    assert upload.status_code == 202, upload.text
    job_id = uuid.UUID(upload.json()["job_id"])
    job = await stack.wait_for_job(
        job_id,
        lambda j: j["state"] == "running" and 1 <= (j["progress"] or {}).get("done", 0) < len(FILES),
        "the first file to be imported",
        within_s=WAIT_S,
    )

    def holder() -> list[Role]:  # the worker that logged the file it just committed
        return [w for w in workers if f"import job {job_id}" in w.log()]

    await until(lambda: bool(holder()), within_s=10, what="the worker's log line")
    assert len(holder()) == 1, "exactly one worker took the job"
    return Midway(job_id, job, holder()[0], workers, account, paths)


async def test_a_worker_killed_mid_import_is_replaced_and_every_activity_is_stored_once(
    stack: Stack, accounts: list[Account]
) -> None:
    midway = await import_midway(stack, accounts, WORKER_ENV)
    job_id, taken_by, workers, account, paths = (
        midway.job_id,
        midway.taken_by,
        midway.workers,
        midway.account,
        midway.paths,
    )
    taken_by.kill()
    done_before_kill = (await stack.job(job_id))["progress"]["done"]
    assert done_before_kill >= midway.job["progress"]["done"]
    assert (await stack.job(job_id))["state"] == "running"  # nobody told PostgreSQL: it died

    finished = await stack.wait_for_job(job_id, job_ended, "the job to end", within_s=WAIT_S)
    assert finished["state"] == "succeeded", finished
    assert finished["attempts"] == 2  # the killed run and the redelivered one
    (survivor,) = [w for w in workers if w is not taken_by]
    # it reached the survivor as an unacknowledged message claimed after the visibility timeout
    assert "claimed job message" in survivor.log()
    assert f"{FILES[-1].rsplit('/', 1)[1]} imported (4/4)" in survivor.log()
    files = finished["result"]["files"]
    assert [f["file"] for f in files] == [p.name for p in paths]
    assert [f["status"] for f in files] == ["imported"] * len(FILES), files

    # exactly once: one activity per file, each with its samples once
    activities = await stack.sql(
        "SELECT id, sample_count FROM activities WHERE user_id = $1 ORDER BY id", account.user_id
    )
    assert len(activities) == len(FILES)
    assert sorted(a["id"] for a in activities) == sorted(f["activity_id"] for f in files)
    samples = dict(
        await stack.sql(
            "SELECT activity_id, count(*) FROM activity_samples WHERE user_id = $1 GROUP BY activity_id",
            account.user_id,
        )
    )
    assert samples == {a["id"]: a["sample_count"] for a in activities}
    assert all(a["sample_count"] > 1000 for a in activities)
    assert sum(samples.values()) == sum(f["samples"] for f in files)
    # and nothing staged is left behind (each file's staged copy went with its import)
    assert await stack.value("SELECT count(*) FROM pg_largeobject_metadata") == 0
