"""The parts of the Garmin sync on their own: the per-user lock, the original-file unzip, health parsing,
error translation, Retry-After, encrypted credentials."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import requests
from garminconnect import GarminConnectAuthenticationError, GarminConnectConnectionError
from redis.asyncio import Redis

from core.errors import Conflict, InvalidInput, RateLimited, ReauthRequired, ServiceUnavailable
from tests.support.shared_data import require
from tools.garmin.client import GarminNotFound, TrackedClient, token_expiry, translate_error
from tools.garmin.health import parse_health_day
from tools.garmin.sync import extract_fit
from tools.integrations.credentials import decrypt_credentials, encrypt_credentials
from tools.integrations.locks import RedisLock, hold_lock, lock_holder
from tools.integrations.retry_after import parse_retry_after

# ------------------------------------------------------------------------------------------------------------
# The lock
# ------------------------------------------------------------------------------------------------------------


def _busy(holder: str | None) -> Conflict:
    return Conflict(f"busy ({holder})")


async def test_lock_is_exclusive_renewed_while_held_and_released_after(redis: Redis) -> None:
    key = "runcoach:lock:test:exclusive"
    async with hold_lock(redis, key, ttl_s=1.0, owner="job:a", busy=_busy) as lock:
        assert await lock_holder(redis, key) == "job:a"
        with pytest.raises(Conflict, match=r"busy \(job:a\)"):
            async with hold_lock(redis, key, ttl_s=1.0, owner="job:b", busy=_busy):
                pass
        await asyncio.sleep(1.6)  # longer than the TTL: still held, because it is renewed
        assert await lock_holder(redis, key) == "job:a" and not lock.lost
        lock.ensure_held()
    assert await redis.get(key) is None


async def test_lock_is_released_when_the_work_fails(redis: Redis) -> None:
    key = "runcoach:lock:test:fails"
    with pytest.raises(ZeroDivisionError):
        async with hold_lock(redis, key, ttl_s=30, owner="job:a", busy=_busy):
            _ = 1 / 0
    assert await redis.get(key) is None


async def test_a_dead_holders_lock_expires_and_only_the_holder_releases(redis: Redis) -> None:
    key = "runcoach:lock:test:dead"
    crashed = RedisLock(redis, key, ttl_s=1.0, owner="job:crashed")
    assert await crashed.acquire()  # and never renews or releases: its process died
    other = RedisLock(redis, key, ttl_s=1.0, owner="job:next")
    assert not await other.acquire()
    await other.release()  # not the holder: nothing happens
    assert await lock_holder(redis, key) == "job:crashed"
    assert await other.acquire_within(3.0)  # the TTL ends it
    assert not await crashed.renew()  # the old holder cannot take it back
    await crashed.release()
    assert await lock_holder(redis, key) == "job:next"
    await other.release()


async def test_a_lock_taken_away_is_reported_as_lost(redis: Redis) -> None:
    key = "runcoach:lock:test:lost"
    async with hold_lock(redis, key, ttl_s=1.0, owner="job:a", busy=_busy) as lock:
        await redis.delete(key)
        await asyncio.sleep(0.5)
        assert lock.lost
        with pytest.raises(ServiceUnavailable, match="will be retried"):
            lock.ensure_held()


# ------------------------------------------------------------------------------------------------------------
# Original files
# ------------------------------------------------------------------------------------------------------------


def _zip(**files: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_extract_fit_from_garmins_zip_or_bare_fit() -> None:
    fit = (require("fit") / "fitdecode/tests/files/garmin-fenix-5-run.fit").read_bytes()
    assert extract_fit(_zip(**{"123_ACTIVITY.fit": fit}), activity_id=123) == fit
    assert extract_fit(fit, activity_id=123) == fit
    with pytest.raises(InvalidInput, match="holds no FIT file"):
        extract_fit(_zip(**{"notes.txt": b"x"}), activity_id=123)
    with pytest.raises(InvalidInput, match="damaged zip"):
        extract_fit(b"PK\x03\x04broken", activity_id=123)
    with pytest.raises(InvalidInput, match="neither a zip nor a FIT"):
        extract_fit(b"<html>error</html>", activity_id=123)


# ------------------------------------------------------------------------------------------------------------
# Health
# ------------------------------------------------------------------------------------------------------------


def test_health_day_parsing_takes_what_is_there_and_ignores_garmins_no_data_markers() -> None:
    sleep = {
        "dailySleepDTO": {
            "sleepTimeSeconds": 25200,
            "deepSleepSeconds": 3600,
            "lightSleepSeconds": 15000,
            "remSleepSeconds": 5400,
            "awakeSleepSeconds": 1200,
            "sleepScores": {"overall": {"value": 77, "qualifierKey": "FAIR"}},
        },
        "restingHeartRate": 49,
        "avgOvernightHrv": 55.0,
        "hrvStatus": "BALANCED",
    }
    values, raw = parse_health_day(sleep, {}, {"averageStressLevel": -1, "totalSteps": 8000})
    assert values["sleep_s"] == 25200 and values["sleep_score"] == 77
    assert (values["resting_hr"], values["hrv_ms"], values["hrv_status"]) == (49, 55.0, "BALANCED")
    assert values["stress_avg"] is None  # -1 is Garmin's "not enough data"
    assert values["steps"] == 8000 and values["body_battery_high"] is None
    assert raw["sleep"]["score_qualifiers"]["overall"] == "FAIR"
    empty, _ = parse_health_day({"dailySleepDTO": {"sleepTimeSeconds": None, "sleepScores": None}}, {}, None)
    assert all(v is None for v in empty.values())


# ------------------------------------------------------------------------------------------------------------
# Errors, Retry-After, tokens
# ------------------------------------------------------------------------------------------------------------


def _client(
    status: int | None = None, retry_after: float | None = None, token_status: int | None = None
) -> TrackedClient:
    client = TrackedClient()
    client.last_status, client.last_retry_after = status, retry_after
    if token_status is not None:
        client.token_status, client.refresh_error = token_status, "DI token refresh failed"
    return client


def test_garmin_errors_become_what_the_user_and_the_runner_need() -> None:
    wrapped = GarminConnectConnectionError("HTTP error: API Error 429 - too many")
    limited = translate_error(wrapped, _client(429, 7.0), what="x")
    assert isinstance(limited, RateLimited) and limited.retry_after_s == 7.0
    blind = translate_error(wrapped, _client(), what="x")  # no hook data: status from the message
    assert isinstance(blind, RateLimited) and blind.retry_after_s == 60.0
    rejected = translate_error(
        GarminConnectConnectionError("API Error 401"), _client(401, token_status=400), what="x"
    )
    assert isinstance(rejected, ReauthRequired) and "Connect Garmin again" in rejected.message
    outage = translate_error(
        GarminConnectConnectionError("API Error 401"), _client(401, token_status=503), what="x"
    )
    assert isinstance(outage, ServiceUnavailable)  # the token endpoint was down: not the user's problem
    assert isinstance(
        translate_error(GarminConnectConnectionError("API Error 404"), _client(404), what="x"), GarminNotFound
    )
    assert isinstance(
        translate_error(GarminConnectConnectionError("API Error 502"), _client(502), what="x"),
        ServiceUnavailable,
    )
    offline = translate_error(GarminConnectConnectionError("Connection error: refused"), _client(), what="x")
    assert isinstance(offline, ServiceUnavailable)
    assert isinstance(
        translate_error(requests.ConnectionError("refused"), _client(), what="x"), ServiceUnavailable
    )
    # an "Authentication error" raised on a 200 answer (privacy-protected day) is not a rejected sign-in
    privacy = translate_error(
        GarminConnectAuthenticationError("Authentication error"), _client(200), what="x"
    )
    assert not isinstance(privacy, ReauthRequired)


def test_retry_after_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after("Mon, 23 Nov 2026 12:01:00 GMT", now=now) == 60.0
    assert parse_retry_after("Mon, 23 Nov 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_token_expiry_reads_the_jwt() -> None:
    import base64
    import json

    exp = int((datetime.now(UTC) + timedelta(hours=20)).timestamp())
    payload = base64.urlsafe_b64encode(json.dumps({"exp": exp}).encode()).decode().rstrip("=")
    assert token_expiry({"di_token": f"h.{payload}.s"}) == datetime.fromtimestamp(exp, UTC)
    assert token_expiry({"di_token": "opaque"}) is None


def test_credentials_round_trip_and_a_foreign_key_is_a_reauth() -> None:
    from cryptography.fernet import Fernet

    blob = encrypt_credentials({"tokens": {"di_token": "abc"}})
    assert b"abc" not in blob and decrypt_credentials(blob) == {"tokens": {"di_token": "abc"}}
    foreign = Fernet(Fernet.generate_key()).encrypt(b'{"x": 1}')
    with pytest.raises(ReauthRequired, match="can no longer be read"):
        decrypt_credentials(foreign, provider="garmin")


def test_a_redelivered_copy_of_the_running_sync_waits_instead_of_failing_it() -> None:
    import uuid

    from tools.garmin.sync import _busy_for

    job_id = uuid.uuid4()
    assert isinstance(_busy_for(job_id)(f"job:{job_id}"), ServiceUnavailable)  # retried, job not failed
    other = _busy_for(job_id)(f"job:{uuid.uuid4()}")
    assert isinstance(other, Conflict) and "already running" in other.message
