"""Strava end to end: OAuth, then `upload_to_strava` → a `strava.upload` job on the real worker → the real
stravalib client against the local Strava fake (built from Strava's OpenAPI and examples); and the
`strava.sync` import with streams → samples."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from stravalib import exc

from core.database import session_scope
from core.models import Activity, Job, User, activity_samples
from tests.factories import make_samples
from tests.fakes import FakeStrava
from tests.support.shared_data import require
from tests.tools.garmin.helpers import (
    integration_of,
    stored_credentials,
    wait_for_job,
)
from tests.tools.strava.helpers import connect_strava, strava_fake
from tools.activities.importer import import_fit
from tools.activities.store import NewActivity, store_activity
from tools.deps import ToolDeps
from tools.registry import call_tool

TINY_RUN = "fitdecode/tests/files/garmin-fenix-5-run.fit"  # 21 records: quick for the fake to process
RUN_2013 = 99895560  # a Strava example activity: Run, 2013-12-12 19:36:41Z, 3140 s, with GPS
RIDE_2018 = 154504250376823  # MountainBikeRide with heart rate, cadence and power
GPS_RIDE = 12345678987654321  # MountainBikeRide with a route and temperature


@pytest.fixture
def strava(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStrava]:
    with strava_fake(monkeypatch) as fake:
        yield fake


@pytest.fixture
def short_lived_strava(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStrava]:
    """Access tokens that expire within RunCoach's refresh margin: every use refreshes first."""
    with strava_fake(monkeypatch, access_token_ttl=300) as fake:
        yield fake


async def _fit_activity(user: User, relative: str = TINY_RUN) -> tuple[int, bytes]:
    data = (require("fit") / relative).read_bytes()
    async with session_scope() as session:
        result = await import_fit(session, user.id, data, filename="watch.fit", name="Tempo Tuesday")
    assert result.status == "imported" and result.activity_id is not None
    return result.activity_id, data


async def _tool(user: User, name: str, args: dict[str, Any]) -> dict[str, Any]:
    async with session_scope() as session:
        deps = ToolDeps.for_user(session, await session.get_one(User, user.id))
        return (await call_tool(name, deps, args)).model_dump()


async def _upload(user: User, activity_id: int) -> Job:
    out = await _tool(user, "upload_to_strava", {"activity_id": activity_id})
    assert out["status"] == "queued", out
    return await wait_for_job(uuid.UUID(out["job_id"]))


async def _activity(activity_id: int) -> Activity:
    async with session_scope() as session:
        return await session.get_one(Activity, activity_id)


async def _with_samples(user: User, strava_id: int) -> tuple[Activity, list[Any]]:
    async with session_scope() as session:
        activity = (
            await session.execute(
                select(Activity).where(Activity.user_id == user.id, Activity.external_id == str(strava_id))
            )
        ).scalar_one()
        rows = (
            await session.execute(
                select(activity_samples)
                .where(activity_samples.c.activity_id == activity.id)
                .order_by(activity_samples.c.ts)
            )
        ).all()
    return activity, [r._mapping for r in rows]


async def test_upload_polls_until_processed_and_links_the_strava_activity(
    strava: FakeStrava, user: User
) -> None:
    await connect_strava(strava, user.id)
    activity_id, data = await _fit_activity(user)
    job = await _upload(user, activity_id)
    assert job.state == "succeeded", job.error
    (upload,) = strava.uploads.values()
    assert upload["activity_id"] is not None
    assert job.result == {
        "activity_id": activity_id,
        "strava_activity_id": upload["activity_id"],
        "status": "uploaded",
        "upload_id": upload["id"],
        "message": f"Uploaded to Strava as activity {upload['activity_id']}.",
    }
    assert (await _activity(activity_id)).strava_activity_id == upload["activity_id"]
    posted = strava.requests_to("^/api/v3/uploads$", method="POST")
    assert len(posted) == 1 and posted[0].multipart()["file"].data == data
    assert (posted[0].arg("data_type"), posted[0].arg("external_id")) == ("fit", f"runcoach-{activity_id}")
    assert posted[0].arg("name") == "Tempo Tuesday"
    polls = strava.requests_to(r"^/api/v3/uploads/\d+$")
    assert len(polls) == 2  # "still being processed", then "ready"
    assert job.progress["upload_id"] == upload["id"]  # committed as soon as Strava accepted the file

    again = await _tool(user, "upload_to_strava", {"activity_id": activity_id})
    assert again["status"] == "already_on_strava" and again["strava_activity_id"] == upload["activity_id"]
    assert len(strava.requests_to("^/api/v3/uploads$", method="POST")) == 1


async def test_a_duplicate_on_strava_is_linked_instead_of_failing(strava: FakeStrava, user: User) -> None:
    await connect_strava(strava, user.id)
    activity_id, data = await _fit_activity(user)
    # the same file already reached Strava another way (Garmin's own Strava sync, say)
    elsewhere = strava.client(access_token=strava.issue_tokens()["access_token"], rate_limit_requests=False)
    existing = elsewhere.upload_activity(data, data_type="fit").wait(poll_interval=0)

    job = await _upload(user, activity_id)
    assert job.state == "succeeded", job.error
    assert (job.result or {})["status"] == "duplicate_linked"
    assert (job.result or {})["strava_activity_id"] == existing.id
    assert "nothing was uploaded twice" in (job.result or {})["message"]
    assert (await _activity(activity_id)).strava_activity_id == existing.id
    assert len([u for u in strava.uploads.values() if u["activity_id"]]) == 1  # no second Strava activity


async def test_429_while_polling_is_retried_later_and_the_file_is_sent_once(
    strava: FakeStrava, user: User
) -> None:
    await connect_strava(strava, user.id)
    activity_id, _ = await _fit_activity(user)
    strava.inject(429, path=r"^/api/v3/uploads/\d+$", retry_after=1, times=1)
    out = await _tool(user, "upload_to_strava", {"activity_id": activity_id})
    retrying = await wait_for_job(uuid.UUID(out["job_id"]), ("retrying", "succeeded", "failed"))
    assert retrying.state == "retrying" and "rate limit" in (retrying.error or "")
    # enqueuing again while it waits is the same job (idempotency key per activity)
    assert (await _tool(user, "upload_to_strava", {"activity_id": activity_id}))["status"] == "already_queued"
    done = await wait_for_job(retrying.id)
    assert (done.state, done.attempts) == ("succeeded", 2)
    assert len(strava.requests_to("^/api/v3/uploads$", method="POST")) == 1  # exactly one upload
    assert len(strava.uploads) == 1
    assert strava.requests_to(r"^/api/v3/uploads/\d+$")[0].status == 429
    assert (await _activity(activity_id)).strava_activity_id == (done.result or {})["strava_activity_id"]


async def test_429_on_the_upload_itself_is_retried_and_uploads_once(strava: FakeStrava, user: User) -> None:
    await connect_strava(strava, user.id)
    activity_id, _ = await _fit_activity(user)
    strava.inject(429, path="^/api/v3/uploads$", method="POST", retry_after=1, times=1)
    job = await _upload(user, activity_id)
    assert (job.state, job.attempts) == ("succeeded", 2)
    assert [r.status for r in strava.requests_to("^/api/v3/uploads$", method="POST")] == [429, 201]
    assert len(strava.uploads) == 1  # the refused request created nothing


async def test_5xx_is_retried_with_backoff(strava: FakeStrava, user: User) -> None:
    await connect_strava(strava, user.id)
    activity_id, _ = await _fit_activity(user)
    strava.inject(503, path=r"^/api/v3/uploads/\d+$", times=1)
    job = await _upload(user, activity_id)
    assert (job.state, job.attempts) == ("succeeded", 2)
    assert len(strava.requests_to("^/api/v3/uploads$", method="POST")) == 1


async def test_tokens_are_refreshed_before_expiry_and_the_rotated_refresh_token_is_saved(
    short_lived_strava: FakeStrava, user: User
) -> None:
    strava = short_lived_strava
    await connect_strava(strava, user.id)
    first = await stored_credentials(user.id, "strava")
    activity_id, _ = await _fit_activity(user)
    job = await _upload(user, activity_id)
    assert job.state == "succeeded", job.error
    second = await stored_credentials(user.id, "strava")
    assert (
        second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    )
    assert strava.requests_to("^/oauth/token$")[-1].form()["grant_type"] == "refresh_token"
    # the old refresh token is dead (rotated) and the saved one is the live one
    client = strava.client(rate_limit_requests=False)
    with pytest.raises(exc.Fault, match="RefreshToken"):
        client.refresh_access_token(strava.client_id, strava.client_secret, first["refresh_token"])
    assert client.refresh_access_token(strava.client_id, strava.client_secret, second["refresh_token"])
    assert (await integration_of(user.id, "strava")).expires_at is not None


async def test_a_rejected_refresh_token_marks_the_connection_needs_reauth(
    short_lived_strava: FakeStrava, user: User
) -> None:
    strava = short_lived_strava
    await connect_strava(strava, user.id)
    stored = await stored_credentials(user.id, "strava")
    # the refresh token gets used elsewhere (another app instance): Strava rotates it, ours stops working
    strava.client(rate_limit_requests=False).refresh_access_token(
        strava.client_id, strava.client_secret, stored["refresh_token"]
    )
    activity_id, _ = await _fit_activity(user)
    job = await _upload(user, activity_id)
    assert (job.state, job.attempts) == ("failed", 1)
    assert "Connect Strava again" in (job.error or "")
    assert (await integration_of(user.id, "strava")).status == "needs_reauth"
    status = await _tool(user, "strava_status", {})
    assert status["status"] == "needs_reauth" and "Connect Strava again" in status["message"]
    assert strava.requests_to("^/api/v3/uploads") == []


async def test_import_streams_become_samples_and_a_fit_import_is_linked_not_duplicated(
    strava: FakeStrava, user: User
) -> None:
    await connect_strava(strava, user.id)
    start = datetime(2013, 12, 12, 19, 36, 41, tzinfo=UTC)  # the same run, already imported from the watch
    async with session_scope() as session:
        from_watch = await store_activity(
            session,
            user.id,
            NewActivity(
                fields={"source": "upload", "sport": "running", "start_time": start, "elapsed_s": 60.0},
                samples=make_samples(start, 60),
            ),
        )
    out = await _tool(user, "sync_strava", {"days": 5000})
    assert out["status"] == "queued"
    job = await wait_for_job(uuid.UUID(out["job_id"]))
    assert job.state == "succeeded", job.error
    result = job.result or {}
    assert (result["activities_seen"], result["imported"], result["skipped"], result["failed"]) == (
        5,
        4,
        1,
        0,
    )
    assert (await _activity(from_watch.id)).strava_activity_id == RUN_2013  # linked

    ride, rows = await _with_samples(user, RIDE_2018)
    streams = strava.streams_for(RIDE_2018)
    assert (ride.source, ride.sport, ride.sub_sport) == ("strava", "cycling", "mountain")
    assert ride.strava_activity_id == RIDE_2018 and ride.name == "Happy Friday"
    assert ride.start_time == datetime(2018, 5, 2, 12, 15, 9, tzinfo=UTC)
    assert ride.sample_count == len(rows) == len(streams["time"]) == 4501
    first, last = rows[0], rows[-1]
    assert first["ts"] == ride.start_time and (last["ts"] - first["ts"]).total_seconds() == 4500
    assert [r["heart_rate"] for r in rows[:50]] == streams["heartrate"][:50]
    assert last["distance_m"] == pytest.approx(streams["distance"][-1])
    assert rows[100]["power_w"] == streams["watts"][100]
    assert rows[100]["cadence"] == streams["cadence"][100]  # rpm: cycling is not doubled
    assert rows[100]["speed_mps"] == pytest.approx(streams["velocity_smooth"][100])
    gps_ride, gps_rows = await _with_samples(user, GPS_RIDE)
    gps = strava.streams_for(GPS_RIDE)
    assert gps_ride.sample_count == len(gps["time"])
    assert (gps_rows[0]["lat"], gps_rows[0]["lon"]) == pytest.approx(tuple(gps["latlng"][0]), abs=1e-5)
    assert (gps_rows[-1]["lat"], gps_rows[-1]["lon"]) == pytest.approx(tuple(gps["latlng"][-1]), abs=1e-5)
    assert gps_rows[10]["temperature_c"] == gps["temp"][10]
    assert gps_rows[10]["altitude_m"] == pytest.approx(gps["altitude"][10])
    manual, _ = await _with_samples(user, 96089609)
    async with session_scope() as session:
        count = (
            await session.execute(
                select(func.count()).select_from(Activity).where(Activity.user_id == user.id)
            )
        ).scalar_one()
    assert manual.sample_count == 0 and manual.sport == "hiking"
    assert count == 5  # 4 from Strava + the watch run, not 6

    again = await wait_for_job(uuid.UUID((await _tool(user, "sync_strava", {"days": 5000}))["job_id"]))
    assert ((again.result or {})["imported"], (again.result or {})["skipped"]) == (0, 5)
    status = await _tool(user, "strava_status", {})
    assert status["connected"] and status["can_upload"] and status["last_run"]["skipped"] == 5
    # an activity that came from Strava is already there: uploading it is a no-op
    uploaded = await _tool(user, "upload_to_strava", {"activity_id": ride.id})
    assert uploaded["status"] == "already_on_strava" and uploaded["strava_activity_id"] == RIDE_2018
