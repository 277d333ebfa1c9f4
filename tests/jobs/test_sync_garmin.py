"""Garmin sync end to end: connect (MFA), then `sync_garmin` → a `garmin.sync` job on the real worker →
the real garminconnect client against the local Garmin fake → real FIT files imported, health stored."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from core.database import session_scope
from core.errors import ReauthRequired
from core.models import Activity, DailyHealth, Job, SyncRun, User, activity_samples
from core.queue.outbox import enqueue
from core.settings import get_settings
from tests.tools.garmin.helpers import (
    HealthDaysGarmin,
    integration_of,
    stored_credentials,
    tokens_in,
    wait_for_job,
)
from tools.deps import ToolDeps
from tools.garmin.auth import connect_garmin, start_garmin_login, submit_garmin_mfa
from tools.garmin.sync import sync_lock_key
from tools.registry import call_tool

EMAIL = "runner@example.com"
PASSWORD = "correct horse battery staple"
RUN, HIKE, SUP, SWIM = 21482825013, 21461718086, 21419635589, 21413444039
SUP_FIT = "fitdecode/tests/files/2013-02-06-12-11-14.fit"  # the recorded SUP has no file: give it a real one
DAYS = 400  # the recorded activities are from January 2026
TODAY = datetime.now(UTC).date()
HEALTH_DAYS = [TODAY, TODAY - timedelta(days=1), TODAY - timedelta(days=2)]


@pytest.fixture
def garmin(monkeypatch: pytest.MonkeyPatch) -> Iterator[HealthDaysGarmin]:
    monkeypatch.setattr(get_settings(), "garmin_health_days_max", 4)  # 3 days with data, 1 without
    with HealthDaysGarmin(email=EMAIL, password=PASSWORD, health_days=HEALTH_DAYS) as fake:
        monkeypatch.delenv("GARMINTOKENS", raising=False)
        fake.apply_env(monkeypatch)
        fake.map_fit(SUP, SUP_FIT)
        yield fake
        assert fake.errors == [], "the fake raised while answering"
        assert fake.refused == [], f"the client reached for hosts the fake does not serve: {fake.refused}"


async def _sync(user: User, **args: object) -> Job:
    async with session_scope() as session:
        deps = ToolDeps.for_user(session, await session.get_one(User, user.id))
        out = (await call_tool("sync_garmin", deps, args)).model_dump()
    assert out["status"] == "queued", out
    return await wait_for_job(uuid.UUID(out["job_id"]))


async def _activities(user_id: int) -> dict[str, Activity]:
    async with session_scope() as session:
        rows = (await session.execute(select(Activity).where(Activity.user_id == user_id))).scalars().all()
    return {a.external_id or "": a for a in rows}


async def _run(run_id: int) -> SyncRun:
    async with session_scope() as session:
        return await session.get_one(SyncRun, run_id)


async def test_connect_with_mfa_then_sync_imports_fit_files_and_health_then_nothing_new(
    garmin: HealthDaysGarmin, user: User
) -> None:
    garmin.mfa_code = "135790"
    assert (await start_garmin_login(user.id, EMAIL, PASSWORD)).state == "needs_mfa"
    assert (await submit_garmin_mfa(user.id, "135790")).state == "connected"

    job = await _sync(user, days=DAYS)
    assert job.state == "succeeded", job.error
    result = job.result or {}
    assert (result["activities_seen"], result["imported"], result["skipped"], result["failed"]) == (
        4,
        4,
        0,
        0,
    )
    assert result["health_days"] == 3 and result["errors"] == []
    assert job.progress["done"] == job.progress["total"] == 4 + 4  # 4 activities + 4 health days

    activities = await _activities(user.id)
    assert set(activities) == {str(RUN), str(HIKE), str(SUP), str(SWIM)}
    assert {a.source for a in activities.values()} == {"garmin"}
    assert activities[str(RUN)].name == "Cuajimalpa de Morelos - Base"
    assert activities[str(RUN)].sport == "running" and activities[str(SWIM)].sport == "swimming"
    async with session_scope() as session:
        samples = (
            await session.execute(
                select(func.count()).where(activity_samples.c.activity_id == activities[str(SUP)].id)
            )
        ).scalar_one()
    assert samples == activities[str(SUP)].sample_count == 590  # the real file's record count (manifest)
    downloads = garmin.requests_to("^/download-service/files/activity/")
    assert sorted(int(r.path.rsplit("/", 1)[1]) for r in downloads) == sorted([RUN, HIKE, SUP, SWIM])
    assert all(r.source.startswith("fit:") for r in downloads)

    async with session_scope() as session:
        days = {
            h.day: h
            for h in (
                await session.execute(select(DailyHealth).where(DailyHealth.user_id == user.id))
            ).scalars()
        }
    assert sorted(days) == sorted(HEALTH_DAYS)
    today = days[TODAY]
    assert (today.sleep_s, today.deep_sleep_s, today.light_sleep_s, today.rem_sleep_s, today.awake_s) == (
        24180,
        5280,
        13440,
        5460,
        420,
    )
    assert today.sleep_score == 83
    assert (today.resting_hr, today.hrv_ms, today.hrv_status) == (52, 40.0, "BALANCED")
    assert (today.body_battery_high, today.body_battery_low, today.stress_avg, today.steps) == (
        66,
        47,
        28,
        1119,
    )
    assert today.source == "garmin" and today.raw["hrv"]["weekly_avg"] == 42

    run = await _run(result["sync_run_id"])
    assert (run.status, run.activities_imported, run.health_days, run.progress_done) == ("succeeded", 4, 3, 8)
    assert (await integration_of(user.id, "garmin")).last_sync_at is not None

    # a second sync of the same window downloads and imports nothing new
    garmin.clear_log()
    again = await _sync(user, days=DAYS)
    assert again.state == "succeeded"
    assert ((again.result or {})["imported"], (again.result or {})["skipped"]) == (0, 4)
    assert garmin.requests_to("^/download-service/") == []
    assert len(await _activities(user.id)) == 4
    # and a sync "since the last one" asks Garmin only for the last days
    garmin.clear_log()
    since_last = await _sync(user)
    assert since_last.state == "succeeded" and (since_last.result or {})["activities_seen"] == 0
    asked = garmin.requests_to("/activitylist-service/activities/search/activities")[0]
    assert date.fromisoformat(asked.arg("startDate") or "") >= TODAY - timedelta(days=3)


async def test_a_second_sync_is_refused_while_one_runs_and_the_lock_is_released(
    garmin: HealthDaysGarmin, user: User, redis: Redis
) -> None:
    await connect_garmin(user.id, EMAIL, PASSWORD)
    garmin._downloads_open.clear()  # hold the first sync inside its first download
    async with session_scope() as session:
        first = await enqueue(session, "garmin.sync", {"days": DAYS}, user_id=user.id)
    assert await asyncio.to_thread(garmin.download_started.wait, 20)
    assert await redis.get(sync_lock_key(user.id)) is not None

    async with session_scope() as session:
        deps = ToolDeps.for_user(session, await session.get_one(User, user.id))
        told = (await call_tool("sync_garmin", deps, {})).model_dump()
    assert told["status"] == "already_running" and told["job_id"] == str(first.id)
    async with session_scope() as session:  # a second job that bypasses the tool meets the lock
        second = await enqueue(session, "garmin.sync", {"days": DAYS}, user_id=user.id)
    refused = await wait_for_job(second.id)
    assert refused.state == "failed" and refused.attempts == 1
    assert (
        refused.error
        == f"A Garmin sync is already running for this account (job {first.id}); wait for it to finish."
    )

    garmin.release_downloads()
    done = await wait_for_job(first.id)
    assert done.state == "succeeded" and (done.result or {})["imported"] == 4
    assert await redis.get(sync_lock_key(user.id)) is None  # released, not left to expire


async def test_429_with_retry_after_stops_the_sync_and_the_retry_finishes_it(
    garmin: HealthDaysGarmin, user: User
) -> None:
    await connect_garmin(user.id, EMAIL, PASSWORD)
    garmin.inject(429, path=f"^/download-service/files/activity/{HIKE}$", retry_after=1, times=1)
    async with session_scope() as session:
        job = await enqueue(session, "garmin.sync", {"days": DAYS}, user_id=user.id)
    retrying = await wait_for_job(job.id, ("retrying", "succeeded", "failed"))
    assert retrying.state == "retrying", retrying.error
    assert retrying.error is not None and "rate-limiting" in retrying.error and "about 1 s" in retrying.error
    assert retrying.run_after is not None and retrying.run_after - datetime.now(UTC) < timedelta(seconds=1.5)
    done = await wait_for_job(job.id)
    assert (done.state, done.attempts) == ("succeeded", 2)
    # oldest first: the swim and the SUP (Jan 1, 2) were imported before the 429; the retry skips them
    assert ((done.result or {})["imported"], (done.result or {})["skipped"]) == (2, 2)
    assert len(await _activities(user.id)) == 4
    async with session_scope() as session:
        runs = (
            (await session.execute(select(SyncRun).where(SyncRun.user_id == user.id).order_by(SyncRun.id)))
            .scalars()
            .all()
        )
    assert [r.status for r in runs] == ["failed", "succeeded"]
    assert "rate-limiting" in runs[0].errors[-1]["error"] and runs[0].activities_imported == 2
    statuses = [r.status for r in garmin.requests_to(f"^/download-service/files/activity/{HIKE}$")]
    assert statuses == [429, 200]


async def test_an_expired_access_token_is_refreshed_and_the_rotated_tokens_are_saved(
    garmin: HealthDaysGarmin, user: User
) -> None:
    await connect_garmin(user.id, EMAIL, PASSWORD)
    before = tokens_in(await stored_credentials(user.id, "garmin"))
    garmin.expire_access_tokens()
    first = await _sync(user, days=DAYS)
    assert first.state == "succeeded" and (first.result or {})["imported"] == 4
    after = tokens_in(await stored_credentials(user.id, "garmin"))
    assert after["di_refresh_token"] != before["di_refresh_token"]  # rotated, and saved
    assert after["di_token"] == garmin.issued_access_tokens()[-1]
    refreshes = garmin.requests_to("/di-oauth2-service/oauth/token")
    assert [r.form()["grant_type"] for r in refreshes][-1] == "refresh_token"
    # the saved tokens are the live ones: a later sync works with them, with no sign-in
    garmin.clear_log()
    second = await _sync(user, days=DAYS)
    assert second.state == "succeeded"
    assert garmin.requests_to("^/(mobile|portal)/api/login") == []


async def test_a_rejected_refresh_marks_the_connection_needs_reauth_with_a_clear_message(
    garmin: HealthDaysGarmin, user: User
) -> None:
    await connect_garmin(user.id, EMAIL, PASSWORD)
    garmin.expire_access_tokens()
    garmin.revoke_refresh_tokens()
    async with session_scope() as session:
        job = await enqueue(session, "garmin.sync", {"days": DAYS}, user_id=user.id)
    failed = await wait_for_job(job.id)
    assert (failed.state, failed.attempts) == ("failed", 1)  # not retried: the user must act
    assert failed.error is not None and "Connect Garmin again" in failed.error
    integration = await integration_of(user.id, "garmin")
    assert integration.status == "needs_reauth"
    assert "Connect Garmin again" in integration.settings["status_message"]
    async with session_scope() as session:
        deps = ToolDeps.for_user(session, await session.get_one(User, user.id))
        status = (await call_tool("garmin_status", deps, {})).model_dump()
        assert status["status"] == "needs_reauth" and not status["connected"]
        assert "Connect Garmin again" in status["message"]
        with pytest.raises(ReauthRequired, match="Connect Garmin again"):
            await call_tool("sync_garmin", deps, {})
    # connecting again clears it
    await connect_garmin(user.id, EMAIL, PASSWORD)
    assert (await integration_of(user.id, "garmin")).status == "connected"


async def test_a_broken_download_is_recorded_and_the_other_activities_are_imported(
    garmin: HealthDaysGarmin, user: User
) -> None:
    await connect_garmin(user.id, EMAIL, PASSWORD)
    garmin.map_fit(HIKE, b"this is not a FIT file")  # a corrupt original
    garmin.inject(500, path=f"^/download-service/files/activity/{SUP}$", times=None)  # Garmin keeps failing
    job = await _sync(user, days=DAYS)
    assert job.state == "succeeded", job.error
    result = job.result or {}
    assert (result["imported"], result["failed"]) == (2, 2)
    assert set(await _activities(user.id)) == {str(RUN), str(SWIM)}
    run = await _run(result["sync_run_id"])
    assert (run.status, run.activities_imported, run.activities_failed) == ("partial", 2, 2)
    errors = {e["activity_id"]: e["error"] for e in run.errors}
    assert set(errors) == {HIKE, SUP}
    assert "garmin_21461718086.fit" in errors[HIKE]  # the importer names the file and the reason
    assert "500" in errors[SUP]
    assert len(garmin.requests_to(f"^/download-service/files/activity/{SUP}$")) == 3  # retried in place
    async with session_scope() as session:
        deps = ToolDeps.for_user(session, await session.get_one(User, user.id))
        status = (await call_tool("garmin_status", deps, {})).model_dump()
    assert status["last_run"]["status"] == "partial" and status["last_run"]["failed"] == 2
    assert len(status["last_run"]["errors"]) == 2


async def test_a_5xx_on_the_activity_list_fails_the_run_and_the_retry_imports_everything_once(
    garmin: HealthDaysGarmin, user: User
) -> None:
    await connect_garmin(user.id, EMAIL, PASSWORD)
    garmin.inject(503, path="^/activitylist-service/activities/search/activities$", times=1)
    async with session_scope() as session:
        job = await enqueue(session, "garmin.sync", {"days": DAYS}, user_id=user.id)
    retrying = await wait_for_job(job.id, ("retrying", "succeeded", "failed"))
    assert retrying.state == "retrying", retrying.error
    assert retrying.error == "Garmin Connect answered 503 for the activity list; it will be retried."
    done = await wait_for_job(job.id)
    assert (done.state, done.attempts) == ("succeeded", 2)
    assert ((done.result or {})["imported"], (done.result or {})["failed"]) == (4, 0)
    async with session_scope() as session:
        per_activity = (
            await session.execute(
                select(Activity.external_id, func.count())
                .where(Activity.user_id == user.id)
                .group_by(Activity.external_id)
            )
        ).all()
        runs = (
            (await session.execute(select(SyncRun).where(SyncRun.user_id == user.id).order_by(SyncRun.id)))
            .scalars()
            .all()
        )
    assert dict(per_activity) == {str(i): 1 for i in (RUN, HIKE, SUP, SWIM)}
    assert [r.status for r in runs] == ["failed", "succeeded"]
    assert "503" in runs[0].errors[-1]["error"] and runs[0].activities_imported == 0
    pages = garmin.requests_to("^/activitylist-service/activities/search/activities$")
    assert pages[0].status == 503 and {r.status for r in pages[1:]} == {200}  # the retry pages through it
