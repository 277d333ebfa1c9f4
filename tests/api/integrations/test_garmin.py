"""Connecting Garmin Connect over HTTP: sign-in with the MFA step (the real garminconnect against the local
fake), the state a page polls, disconnecting, starting a sync; the password nowhere; and one athlete never
touching another's connection."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select, text

from core.database import session_scope
from core.models import Integration, Job
from tests.api.conftest import SignUp, assert_problem
from tests.api.integrations.conftest import GARMIN_EMAIL, GARMIN_PASSWORD, MFA_CODE
from tests.tools.garmin.helpers import HealthDaysGarmin, redis_text, wait_for_job

SUP = 21419635589  # a recorded activity whose original file the recordings lack
SUP_FIT = "fitdecode/tests/files/2013-02-06-12-11-14.fit"


def _provider(overview: httpx.Response, name: str) -> dict[str, Any]:
    assert overview.status_code == 200, overview.text
    found = [p for p in overview.json()["providers"] if p["provider"] == name]
    assert len(found) == 1
    return found[0]


async def _connect(client: httpx.AsyncClient) -> dict[str, Any]:
    login = {"email": GARMIN_EMAIL, "password": GARMIN_PASSWORD}
    pending = await client.post("/api/v1/integrations/garmin/login", json=login)
    assert pending.status_code == 200, pending.text
    assert pending.json()["state"] == "needs_mfa"
    done = await client.post("/api/v1/integrations/garmin/mfa", json={"code": MFA_CODE})
    assert done.status_code == 200, done.text
    body: dict[str, Any] = done.json()
    assert body["state"] == "connected"
    return body


async def _garmin_rows(user_id: int) -> int:
    async with session_scope() as session:
        return (
            await session.execute(
                select(func.count()).where(Integration.user_id == user_id, Integration.provider == "garmin")
            )
        ).scalar_one()


async def test_sign_in_with_mfa_then_status_then_disconnect(
    garmin: HealthDaysGarmin, sign_up: SignUp, redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ann = await sign_up()
    before = _provider(await ann.client.get("/api/v1/integrations"), "garmin")
    assert (before["connected"], before["status"], before["login"]) == (False, "not_connected", None)

    pending = await ann.client.post(
        "/api/v1/integrations/garmin/login", json={"email": GARMIN_EMAIL, "password": GARMIN_PASSWORD}
    )
    assert pending.status_code == 200, pending.text
    assert pending.json()["state"] == "needs_mfa" and "code" in pending.json()["message"]
    polled = await ann.client.get("/api/v1/integrations/garmin/login")
    assert polled.json() == pending.json()
    waiting = _provider(await ann.client.get("/api/v1/integrations"), "garmin")
    assert waiting["login"]["state"] == "needs_mfa" and waiting["connected"] is False

    wrong = await ann.client.post("/api/v1/integrations/garmin/mfa", json={"code": "000000"})
    assert wrong.status_code == 200 and wrong.json()["state"] == "needs_mfa"
    assert "did not accept" in wrong.json()["message"]
    done = await ann.client.post("/api/v1/integrations/garmin/mfa", json={"code": MFA_CODE})
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "connected" and done.json()["display_name"] == "mtamizi"
    assert garmin.requests_to("/api/mfa/verifyCode")[-1].json()["mfaVerificationCode"] == MFA_CODE

    status = _provider(await ann.client.get("/api/v1/integrations"), "garmin")
    assert (status["connected"], status["status"], status["needs_reauth"]) == (True, "connected", False)
    assert status["account_name"] == "mtamizi" and status["last_sync_at"] is None
    assert status["running_job"] is None and status["last_run"] is None

    # the password went to Garmin and nowhere else: not the database, not Redis, not a log line
    async with session_scope() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT coalesce(string_agg(t, ' '), '') FROM ("
                    " SELECT row_to_json(i)::text AS t FROM integrations i WHERE user_id = :u"
                    " UNION ALL SELECT row_to_json(j)::text FROM jobs j WHERE user_id = :u) x"
                ),
                {"u": ann.user_id},
            )
        ).scalar_one()
    assert GARMIN_PASSWORD not in rows
    assert GARMIN_PASSWORD not in await redis_text(redis)
    assert GARMIN_PASSWORD not in caplog.text and caplog.text  # something was logged, just not that

    assert (await ann.client.delete("/api/v1/integrations/garmin")).status_code == 204
    after = _provider(await ann.client.get("/api/v1/integrations"), "garmin")
    assert (after["connected"], after["status"], after["login"]) == (False, "not_connected", None)
    assert_problem(await ann.client.delete("/api/v1/integrations/garmin"), 404, "not_found")
    assert_problem(await ann.client.get("/api/v1/integrations/garmin/login"), 404, "not_found")


async def test_a_wrong_password_is_a_failed_state_with_the_reason(
    garmin: HealthDaysGarmin, sign_up: SignUp
) -> None:
    ann = await sign_up()
    failed = await ann.client.post(
        "/api/v1/integrations/garmin/login", json={"email": GARMIN_EMAIL, "password": "not my password"}
    )
    assert failed.status_code == 200, failed.text
    assert failed.json()["state"] == "failed"
    assert "did not accept this email and password" in failed.json()["message"]
    assert await _garmin_rows(ann.user_id) == 0


async def test_bad_input_is_a_clear_error(garmin: HealthDaysGarmin, sign_up: SignUp) -> None:
    ann = await sign_up()
    missing = assert_problem(
        await ann.client.post("/api/v1/integrations/garmin/login", json={"email": GARMIN_EMAIL}), 422
    )
    assert [e["field"] for e in missing["errors"]] == ["body.password"]
    blank = assert_problem(
        await ann.client.post("/api/v1/integrations/garmin/login", json={"email": "   ", "password": "x"}),
        422,
        "invalid_input",
    )
    assert "email and password" in blank["detail"]
    nothing_waiting = assert_problem(
        await ann.client.post("/api/v1/integrations/garmin/mfa", json={"code": MFA_CODE}), 409, "conflict"
    )
    assert "No Garmin sign-in is waiting" in nothing_waiting["detail"]
    letters = assert_problem(
        await ann.client.post("/api/v1/integrations/garmin/mfa", json={"code": "abc"}), 422, "invalid_input"
    )
    assert "4 to 10 digits" in letters["detail"]
    assert garmin.requests_to("/api/mfa/verifyCode") == []


async def test_another_athlete_cannot_see_or_finish_or_remove_my_connection(
    garmin: HealthDaysGarmin, sign_up: SignUp
) -> None:
    ann, bob = await sign_up(), await sign_up()
    pending = await ann.client.post(
        "/api/v1/integrations/garmin/login", json={"email": GARMIN_EMAIL, "password": GARMIN_PASSWORD}
    )
    assert pending.json()["state"] == "needs_mfa"
    # Bob sees nothing of Ann's sign-in and cannot hand it a code
    assert_problem(await bob.client.get("/api/v1/integrations/garmin/login"), 404, "not_found")
    assert _provider(await bob.client.get("/api/v1/integrations"), "garmin")["login"] is None
    assert_problem(await bob.client.post("/api/v1/integrations/garmin/mfa", json={"code": MFA_CODE}), 409)
    assert garmin.requests_to("/api/mfa/verifyCode") == []
    assert (await ann.client.get("/api/v1/integrations/garmin/login")).json()["state"] == "needs_mfa"

    assert (await ann.client.post("/api/v1/integrations/garmin/mfa", json={"code": MFA_CODE})).json()[
        "state"
    ] == "connected"
    # Bob's view, disconnect and sync touch only Bob's (absent) connection
    bob_view = _provider(await bob.client.get("/api/v1/integrations"), "garmin")
    assert bob_view["connected"] is False and bob_view["account_name"] is None
    assert_problem(await bob.client.delete("/api/v1/integrations/garmin"), 404, "not_found")
    assert_problem(await bob.client.post("/api/v1/integrations/garmin/sync"), 404, "not_found")
    assert await _garmin_rows(ann.user_id) == 1
    assert _provider(await ann.client.get("/api/v1/integrations"), "garmin")["connected"] is True


async def test_sync_is_enqueued_once_while_one_is_queued(garmin: HealthDaysGarmin, sign_up: SignUp) -> None:
    ann = await sign_up()
    assert_problem(await ann.client.post("/api/v1/integrations/garmin/sync"), 404, "not_found")
    await _connect(ann.client)
    # a double click: two requests at once get the same job
    first, second = await asyncio.gather(
        ann.client.post("/api/v1/integrations/garmin/sync", json={"days": 30}),
        ann.client.post("/api/v1/integrations/garmin/sync", json={"days": 30}),
    )
    assert first.status_code == second.status_code == 202, (first.text, second.text)
    assert first.json()["job_id"] == second.json()["job_id"]
    assert sorted([first.json()["status"], second.json()["status"]]) == ["already_running", "queued"]
    third = await ann.client.post("/api/v1/integrations/garmin/sync")
    assert third.json()["job_id"] == first.json()["job_id"] and third.json()["status"] == "already_running"
    async with session_scope() as session:
        jobs = (await session.execute(select(Job).where(Job.user_id == ann.user_id))).scalars().all()
    assert [(j.kind, j.state, j.args["days"]) for j in jobs] == [("garmin.sync", "queued", 30)]
    status = _provider(await ann.client.get("/api/v1/integrations"), "garmin")
    assert status["running_job"]["job_id"] == first.json()["job_id"]

    assert_problem(
        await ann.client.post("/api/v1/integrations/garmin/sync", json={"days": 0}), 422, "invalid_input"
    )
    assert_problem(await ann.client.post("/api/v1/integrations/polar/sync"), 422, "invalid_input")


async def test_a_sync_started_over_http_runs_and_shows_as_the_last_sync(
    garmin: HealthDaysGarmin, sign_up: SignUp, worker: None
) -> None:
    garmin.map_fit(SUP, SUP_FIT)  # the recorded stand-up-paddle activity has no file: give it a real one
    ann = await sign_up()
    await _connect(ann.client)
    started = await ann.client.post("/api/v1/integrations/garmin/sync", json={"days": 400})
    assert started.status_code == 202 and started.json()["status"] == "queued", started.text
    job = await wait_for_job(uuid.UUID(started.json()["job_id"]))
    assert job.state == "succeeded", job.error
    status = _provider(await ann.client.get("/api/v1/integrations"), "garmin")
    assert status["running_job"] is None and status["last_sync_at"] is not None
    last = status["last_run"]
    assert (last["status"], last["imported"], last["failed"], last["errors"]) == ("succeeded", 4, 0, [])
    assert len(garmin.requests_to("^/download-service/files/activity/")) == 4
    again = await ann.client.post("/api/v1/integrations/garmin/sync", json={"days": 400})
    assert again.json()["status"] == "queued" and again.json()["job_id"] != started.json()["job_id"]
    second = await wait_for_job(uuid.UUID(again.json()["job_id"]))
    assert second.state == "succeeded" and second.result is not None and second.result["imported"] == 0
