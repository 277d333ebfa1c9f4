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

from tests.faults.conftest import Account
from tests.faults.stack import Role, Stack, job_ended
from tests.faults.test_worker_killed import FILES, WAIT_S, import_midway

pytestmark = pytest.mark.slow

#: far beyond the test's own bounds: a job that moves to the other worker in time was handed back
VISIBILITY_TIMEOUT_S = 600


async def _import_midway(
    stack: Stack, accounts: list[Account], grace_s: float
) -> tuple[uuid.UUID, Role, list[Role], Account]:
    env = {
        "RUNCOACH_JOB_VISIBILITY_TIMEOUT_S": str(VISIBILITY_TIMEOUT_S),
        "RUNCOACH_FIT_DECODER": "fitparse",  # the slower decoder: the stop lands mid-job
        "RUNCOACH_WORKER_SHUTDOWN_GRACE_S": str(grace_s),
    }
    midway = await import_midway(stack, accounts, env)
    return midway.job_id, midway.taken_by, midway.workers, midway.account


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
    finished = await stack.job(job_id)
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

    finished = await stack.wait_for_job(job_id, job_ended, "the job to end", within_s=WAIT_S)
    assert finished["state"] == "succeeded", finished
    assert finished["attempts"] == 2  # the cancelled run and the one on the other worker
    (other,) = [w for w in workers if w is not taken_by]
    assert "claimed job message" in other.log()  # handed back: claimed long before the visibility timeout
    await _stored_once(stack, account, finished["result"]["files"])
