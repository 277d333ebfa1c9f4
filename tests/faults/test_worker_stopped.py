"""A `runcoach worker` asked to stop (SIGTERM) in the middle of a FIT import job with several files.

Promise (issue 9, "workers finish or re-queue their job"): within its grace period the worker finishes the
job (one attempt) and then exits; past it, the job is cancelled and handed back at once — another worker takes
it long before the visibility timeout — and finishes it. Either way every activity is stored exactly once.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from typing import Any

import pytest

from tests.faults.conftest import Account, sign_up, until
from tests.faults.stack import Role, Stack
from tests.faults.test_worker_killed import FILES, WAIT_S, _job, _wait
from tests.support.shared_data import require

pytestmark = pytest.mark.slow

#: far beyond the test's own bounds: a job that moves to the other worker in time was handed back
VISIBILITY_TIMEOUT_S = 600


async def _import_midway(
    stack: Stack, accounts: list[Account], grace_s: float
) -> tuple[uuid.UUID, Role, list[Role], Account]:
    paths = [require(f"fit/{name}") for name in FILES]
    env = {
        "RUNCOACH_JOB_VISIBILITY_TIMEOUT_S": str(VISIBILITY_TIMEOUT_S),
        "RUNCOACH_FIT_DECODER": "fitparse",  # the slower decoder: the stop lands mid-job
        "RUNCOACH_WORKER_SHUTDOWN_GRACE_S": str(grace_s),
    }
    roles = [stack.role("api", ready=False), *(stack.role("worker", env=env, ready=False) for _ in "ab")]
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
    await _wait(
        stack,
        job_id,
        lambda j: j["state"] == "running" and 1 <= (j["progress"] or {}).get("done", 0) < len(FILES),
        "the first file to be imported",
    )

    def holder() -> list[Role]:
        return [w for w in workers if f"import job {job_id}" in w.log()]

    await until(lambda: bool(holder()), within_s=10, what="the worker's log line")
    (taken_by,) = holder()
    return job_id, taken_by, workers, account


async def _stored_once(stack: Stack, account: Account, files: list[dict[str, Any]]) -> None:
    assert [f["status"] for f in files] == ["imported"] * len(FILES), files
    activities = await stack.sql("SELECT id FROM activities WHERE user_id = $1", account.user_id)
    assert sorted(a["id"] for a in activities) == sorted(f["activity_id"] for f in files)


async def test_a_stopped_worker_finishes_its_job_within_the_grace_period(
    stack: Stack, accounts: list[Account]
) -> None:
    job_id, taken_by, workers, account = await _import_midway(stack, accounts, grace_s=WAIT_S)
    taken_by.proc.send_signal(signal.SIGTERM)
    returncode = await asyncio.to_thread(taken_by.proc.wait, WAIT_S)

    assert returncode == 0, taken_by.log()[-3000:]
    finished = await _job(stack, job_id)
    assert finished["state"] == "succeeded", finished
    assert finished["attempts"] == 1, "finished by the worker that started it"
    assert "every running job finished" in taken_by.log()
    (other,) = [w for w in workers if w is not taken_by]
    assert f"import job {job_id}" not in other.log()
    await _stored_once(stack, account, finished["result"]["files"])


async def test_past_the_grace_period_the_job_is_handed_to_another_worker_at_once(
    stack: Stack, accounts: list[Account]
) -> None:
    job_id, taken_by, workers, account = await _import_midway(stack, accounts, grace_s=0.2)
    taken_by.proc.send_signal(signal.SIGTERM)
    returncode = await asyncio.to_thread(taken_by.proc.wait, WAIT_S)
    assert returncode == 0, taken_by.log()[-3000:]
    assert "1 job(s) cancelled" in taken_by.log(), taken_by.log()[-3000:]

    finished = await _wait(stack, job_id, lambda j: j["state"] in {"succeeded", "failed"}, "the job to end")
    assert finished["state"] == "succeeded", finished
    assert finished["attempts"] == 2  # the cancelled run and the one on the other worker
    (other,) = [w for w in workers if w is not taken_by]
    assert "claimed job message" in other.log()  # handed back: claimed long before the visibility timeout
    await _stored_once(stack, account, finished["result"]["files"])
