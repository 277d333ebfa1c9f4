"""Garmin's push endpoint: off by default, a shared secret in a header, Garmin's notification shapes
(activity summaries and activity-file pings) → a `garmin.sync` job that the real worker runs with the real
garminconnect client against the Garmin fake (recorded activities, real FIT files); push and polling of
the same activities store each once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from redis.asyncio import Redis

from core.database import session_scope
from core.models import User
from core.settings import get_settings
from tests.api.conftest import assert_problem, client_for
from tests.api.webhooks.conftest import PUSH_TOKEN, activities_of, job, jobs_of
from tests.support.secret_audit import audit_secret
from tests.tools.garmin.helpers import HealthDaysGarmin
from tools.deps import ToolDeps
from tools.garmin.auth import connect_garmin
from tools.registry import call_tool

EMAIL = "runner@example.com"
PASSWORD = "correct horse battery staple"
RUN, HIKE, SUP, SWIM = 21482825013, 21461718086, 21419635589, 21413444039
SUP_FIT = "fitdecode/tests/files/2013-02-06-12-11-14.fit"  # the recorded SUP has no file: give it a real one
PUSH = "/api/v1/webhooks/garmin"
HEADER = "X-RunCoach-Push-Token"

AppFactory = Callable[..., FastAPI]
USER_ACCESS_TOKEN = "uat-7d2c9f41"  # Garmin's per-user token in every notice: never stored or logged
audit_secret(USER_ACCESS_TOKEN)


@pytest.fixture
def garmin(monkeypatch: pytest.MonkeyPatch) -> Iterator[HealthDaysGarmin]:
    monkeypatch.setattr(get_settings(), "garmin_health_days_max", 1)
    with HealthDaysGarmin(email=EMAIL, password=PASSWORD) as fake:
        monkeypatch.delenv("GARMINTOKENS", raising=False)
        fake.apply_env(monkeypatch)
        fake.map_fit(SUP, SUP_FIT)
        yield fake
        assert fake.errors == [], "the fake raised while answering"
        assert fake.refused == []


@pytest.fixture
async def pushing(app_factory: AppFactory) -> Any:
    async with client_for(app_factory(garmin_push_token=SecretStr(PUSH_TOKEN))) as client:
        client.headers[HEADER] = PUSH_TOKEN
        yield client


def _start_s(garmin: HealthDaysGarmin, activity_id: int) -> int:
    return int(garmin.activities[activity_id]["beginTimestamp"]) // 1000


def _summary(garmin: HealthDaysGarmin, activity_id: int, *, user_id: Any = None) -> dict[str, Any]:
    """An activity summary as Garmin's Activity API pushes it."""
    recorded = garmin.activities[activity_id]
    return {
        "userId": str(garmin.profile_id) if user_id is None else user_id,
        "userAccessToken": USER_ACCESS_TOKEN,
        "summaryId": f"{activity_id}",
        "activityId": activity_id,
        "activityName": recorded.get("activityName"),
        "activityType": recorded["activityType"]["typeKey"].upper(),
        "startTimeInSeconds": _start_s(garmin, activity_id),
        "startTimeOffsetInSeconds": 0,
        "durationInSeconds": int(recorded.get("duration") or 0),
    }


def _file_ping(garmin: HealthDaysGarmin, activity_id: int) -> dict[str, Any]:
    """An activity-file ping: where Garmin's partner API would let us fetch the file."""
    return {
        "userId": str(garmin.profile_id),
        "userAccessToken": USER_ACCESS_TOKEN,
        "summaryId": f"{activity_id}-file",
        "fileType": "FIT",
        "callbackURL": f"https://apis.garmin.com/wellness-api/rest/activityFile?id={activity_id}&token=x",
        "startTimeInSeconds": _start_s(garmin, activity_id),
    }


async def _poll(user: User, **args: Any) -> dict[str, Any]:
    async with session_scope() as session:
        deps = ToolDeps.for_user(session, await session.get_one(User, user.id))
        out = (await call_tool("sync_garmin", deps, args)).model_dump()
    assert out["status"] == "queued", out
    done = await job(out["job_id"])
    assert done.state == "succeeded", done.error
    return done.result or {}


async def test_off_by_default_and_only_with_the_shared_secret(app_factory: AppFactory) -> None:
    async with client_for(app_factory()) as off:
        gone = await off.post(PUSH, json={"activities": []}, headers={HEADER: PUSH_TOKEN})
        assert "not enabled" in assert_problem(gone, 404, "not_found")["detail"]
    async with client_for(app_factory(garmin_push_token=SecretStr(PUSH_TOKEN))) as client:
        assert_problem(await client.post(PUSH, json={"activities": []}), 403, "forbidden")
        # a wrong secret is refused before the body is even looked at
        wrong = await client.post(PUSH, content=b"{not json", headers={HEADER: "guess"})
        assert HEADER in assert_problem(wrong, 403, "forbidden")["detail"]
        garbage = await client.post(PUSH, content=b"{not json", headers={HEADER: PUSH_TOKEN})
        assert "not a Garmin push notification" in assert_problem(garbage, 422, "invalid_input")["detail"]
        no_user = await client.post(
            PUSH, json={"activities": [{"summaryId": "1"}]}, headers={HEADER: PUSH_TOKEN}
        )
        assert_problem(no_user, 422, "invalid_input")


async def test_unknown_users_and_other_summary_types_are_acknowledged_and_ignored(
    garmin: HealthDaysGarmin, pushing: httpx.AsyncClient, user: User
) -> None:
    await connect_garmin(user.id, EMAIL, PASSWORD)
    stranger = await pushing.post(PUSH, json={"activities": [_summary(garmin, RUN, user_id="someone-else")]})
    assert stranger.status_code == 200 and stranger.json()["status"] == "ignored"
    dailies = await pushing.post(PUSH, json={"dailies": [{"userId": str(garmin.profile_id), "steps": 9000}]})
    assert dailies.status_code == 200 and dailies.json()["status"] == "ignored"
    assert await jobs_of(user.id, "garmin.sync") == []


async def test_pushes_while_a_sync_is_queued_join_it_and_an_older_activity_widens_the_window(
    garmin: HealthDaysGarmin, pushing: httpx.AsyncClient, user: User, redis: Redis
) -> None:
    await connect_garmin(user.id, EMAIL, PASSWORD)  # no worker here: the job stays queued
    first = (await pushing.post(PUSH, json={"activities": [_summary(garmin, RUN)]})).json()
    again = (await pushing.post(PUSH, json={"activityFiles": [_file_ping(garmin, RUN)]})).json()
    assert first["status"] == again["status"] == "queued" and first["job_ids"] == again["job_ids"]
    (queued,) = await jobs_of(user.id, "garmin.sync")
    expected_days = (
        datetime.now(UTC).date() - datetime.fromtimestamp(_start_s(garmin, RUN), UTC).date()
    ).days + 1
    assert queued.args == {"days": expected_days, "full_history": False, "trigger": "push"}
    older = min((SWIM, HIKE, SUP), key=lambda a: _start_s(garmin, a))
    assert _start_s(garmin, older) < _start_s(garmin, RUN)
    wider = (await pushing.post(PUSH, json={"activities": [_summary(garmin, older)]})).json()
    assert wider["job_ids"] != first["job_ids"]  # the queued sync would not reach back that far
    assert len(await jobs_of(user.id, "garmin.sync")) == 2


async def test_push_then_polling_then_push_again_stores_each_activity_once(
    garmin: HealthDaysGarmin, pushing: httpx.AsyncClient, worker: None, user: User
) -> None:
    await connect_garmin(user.id, EMAIL, PASSWORD)
    out = (await pushing.post(PUSH, json={"activities": [_summary(garmin, RUN)]})).json()
    pushed = await job(out["job_ids"][0])
    assert pushed.state == "succeeded", pushed.error
    assert (pushed.result or {})["imported"] >= 1 and (pushed.result or {})["failed"] == 0
    stored = {a.external_id: a for a in await activities_of(user.id)}
    assert str(RUN) in stored and stored[str(RUN)].sample_count > 0  # from the original FIT file

    polled = await _poll(user, days=400)
    assert polled["imported"] == 4 - (pushed.result or {})["imported"] and polled["skipped"] >= 1
    late = (await pushing.post(PUSH, json={"activityFiles": [_file_ping(garmin, RUN)]})).json()
    again = await job(late["job_ids"][0])
    assert again.state == "succeeded" and (again.result or {})["imported"] == 0
    ids = [a.external_id for a in await activities_of(user.id)]
    assert sorted(ids) == sorted({str(RUN), str(HIKE), str(SUP), str(SWIM)})  # four activities, once each
    downloads = garmin.requests_to(f"^/download-service/files/activity/{RUN}$")
    assert len(downloads) == 1  # known activities are skipped before anything is downloaded


async def test_a_push_during_a_running_sync_waits_for_it_instead_of_failing(
    garmin: HealthDaysGarmin, pushing: httpx.AsyncClient, worker: None, user: User
) -> None:
    await connect_garmin(user.id, EMAIL, PASSWORD)
    garmin._downloads_open.clear()  # hold the polling sync inside its first download
    async with session_scope() as session:
        deps = ToolDeps.for_user(session, await session.get_one(User, user.id))
        polling = (await call_tool("sync_garmin", deps, {"days": 400})).model_dump()
    assert await asyncio.to_thread(garmin.download_started.wait, 20)

    out = (await pushing.post(PUSH, json={"activities": [_summary(garmin, RUN)]})).json()
    assert out["status"] == "queued" and out["job_ids"] != [
        polling["job_id"]
    ]  # the running one listed already
    waiting = await job(out["job_ids"][0], ("retrying", "failed", "succeeded"))
    assert waiting.state == "retrying" and "follows it" in (waiting.error or "")
    garmin.release_downloads()
    assert (await job(polling["job_id"])).state == "succeeded"
    done = await job(out["job_ids"][0])
    assert done.state == "succeeded" and done.attempts >= 2 and (done.result or {})["imported"] == 0
    assert len(await activities_of(user.id)) == 4
