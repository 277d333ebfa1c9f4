"""The real garminconnect client, unmodified, against the local Garmin Connect fake (tests/fakes/).

The client reaches the fake through the standard proxy and CA-bundle environment variables (see the module
docstring of garmin_server.py): its URLs, hostnames, TLS verification and HTTP framing are production's.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import zipfile
from typing import Any

import pytest
import requests
from garminconnect import (
    Garmin,
    GarminConnectAuthenticationError,
    GarminConnectConnectionError,
    GarminConnectTooManyRequestsError,
)

from tests.fakes import FakeGarmin
from tests.support.shared_data import fit_manifest, require

EMAIL = "runner@example.com"
PASSWORD = "correct horse battery staple"
MFA_CODE = "424242"


# ------------------------------------------------------------------------------------------------------------
# Fixtures and helpers
# ------------------------------------------------------------------------------------------------------------


def _isolate(monkeypatch: pytest.MonkeyPatch, fake: FakeGarmin) -> None:
    monkeypatch.delenv("GARMINTOKENS", raising=False)  # Garmin.login() would load tokens from there
    fake.apply_env(monkeypatch)


@pytest.fixture
def garmin(monkeypatch: pytest.MonkeyPatch):
    with FakeGarmin(email=EMAIL, password=PASSWORD) as fake:
        _isolate(monkeypatch, fake)
        yield fake
        assert fake.errors == [], "the fake raised while answering"
        assert fake.refused == [], f"the client tried to reach hosts the fake does not serve: {fake.refused}"


@pytest.fixture
def garmin_mfa(monkeypatch: pytest.MonkeyPatch):
    with FakeGarmin(email=EMAIL, password=PASSWORD, mfa_code=MFA_CODE) as fake:
        _isolate(monkeypatch, fake)
        yield fake
        assert fake.errors == []


@pytest.fixture
def api(garmin: FakeGarmin) -> Garmin:
    client = Garmin(EMAIL, PASSWORD)
    assert client.login() == (None, None)
    garmin.clear_log()
    return client


def assert_fit(data: bytes) -> None:
    """A FIT file header: size 12 or 14, '.FIT' signature, a data size that fits in the file."""
    header_size = data[0]
    assert header_size in (12, 14)
    assert data[8:12] == b".FIT"
    data_size = int.from_bytes(data[4:8], "little")
    assert len(data) >= header_size + data_size + 2  # + CRC (chained FIT files may follow)


def unzip_single(blob: bytes) -> tuple[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        (name,) = archive.namelist()
        return name, archive.read(name)


# ------------------------------------------------------------------------------------------------------------
# Login, MFA, tokens
# ------------------------------------------------------------------------------------------------------------


def test_login_runs_the_real_sso_and_di_token_flow_over_verified_tls(garmin: FakeGarmin) -> None:
    client = Garmin(EMAIL, PASSWORD)
    assert client.login() == (None, None)

    assert client.display_name == "mtamizi"  # recorded socialProfile
    assert client.unit_system == "metric"  # recorded user-settings
    calls = [(r.method, r.host, r.path) for r in garmin.request_log]
    assert calls == [
        ("POST", "sso.garmin.com", "/mobile/api/login"),
        ("POST", "diauth.garmin.com", "/di-oauth2-service/oauth/token"),
        ("GET", "connectapi.garmin.com", "/userprofile-service/socialProfile"),
        ("GET", "connectapi.garmin.com", "/userprofile-service/userprofile/user-settings"),
    ]
    assert all(r.tls for r in garmin.request_log), "every call went through a TLS tunnel"
    login, token = garmin.request_log[0], garmin.request_log[1]
    assert login.json()["username"] == EMAIL
    assert login.arg("clientId") == "GCM_IOS_DARK"
    assert token.form()["grant_type"].endswith("/oauth/grant/service_ticket")
    assert garmin.request_log[2].header("authorization") == f"Bearer {client.client.di_token}"
    assert garmin.request_log[0].source.startswith("recorded+patched:")


def test_bad_password_is_an_authentication_error(garmin: FakeGarmin) -> None:
    with pytest.raises(GarminConnectAuthenticationError, match="Invalid Username or Password"):
        Garmin(EMAIL, "wrong").login()
    assert garmin.request_log[-1].status == 401
    assert garmin.request_log[-1].source.endswith("test_login_email_password_fail.yaml")


def test_mfa_login_with_prompt(garmin_mfa: FakeGarmin) -> None:
    prompts: list[int] = []

    def prompt() -> str:
        prompts.append(1)
        return MFA_CODE

    client = Garmin(EMAIL, PASSWORD, prompt_mfa=prompt)
    assert client.login() == (None, None)
    assert prompts == [1]
    assert client.display_name == "mtamizi"
    login, verify = garmin_mfa.request_log[0], garmin_mfa.request_log[1]
    assert json.loads(login.body)["username"] == EMAIL and login.status == 200
    assert verify.path == "/mobile/api/mfa/verifyCode"
    assert verify.json()["mfaVerificationCode"] == MFA_CODE
    assert verify.cookie("SESSIONID"), "the client kept the SSO session cookie between login and MFA"


def test_mfa_login_return_on_mfa_then_resume(garmin_mfa: FakeGarmin) -> None:
    client = Garmin(EMAIL, PASSWORD, return_on_mfa=True)
    assert client.login() == ("needs_mfa", None)
    assert client.display_name is None
    client.resume_login(None, MFA_CODE)
    assert client.display_name == "mtamizi"
    assert client.get_activities(0, 1)[0]["activityId"] == 21482825013


def test_wrong_mfa_code_is_an_authentication_error(garmin_mfa: FakeGarmin) -> None:
    with pytest.raises(GarminConnectAuthenticationError, match="MFA"):
        Garmin(EMAIL, PASSWORD, prompt_mfa=lambda: "000000").login()
    tried = [r.path for r in garmin_mfa.requests_to("/api/mfa/verifyCode")]
    assert tried == ["/mobile/api/mfa/verifyCode", "/portal/api/mfa/verifyCode"]  # the client's fallback
    assert not garmin_mfa.requests_to("/di-oauth2-service/")


def test_expired_token_is_refreshed_and_the_call_retried(garmin: FakeGarmin, api: Garmin) -> None:
    old_refresh = api.client.di_refresh_token
    garmin.expire_access_tokens()

    assert api.get_activities(0, 1)[0]["activityId"] == 21482825013
    assert [(r.status, r.host) for r in garmin.request_log] == [
        (401, "connectapi.garmin.com"),
        (200, "diauth.garmin.com"),
        (200, "connectapi.garmin.com"),
    ]
    refresh = garmin.request_log[1].form()
    assert refresh["grant_type"] == "refresh_token" and refresh["refresh_token"] == old_refresh
    assert api.client.di_refresh_token != old_refresh  # rotated
    # The rotated-out refresh token no longer works.
    reused = requests.post(
        "https://diauth.garmin.com/di-oauth2-service/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": api.client.di_client_id,
            "refresh_token": old_refresh,
        },
        auth=(api.client.di_client_id, ""),
        timeout=10,
    )
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"


def test_injected_401_triggers_one_refresh(garmin: FakeGarmin, api: Garmin) -> None:
    garmin.inject(401, path=r"^/hrv-service/hrv/", times=1)
    assert api.get_hrv_data("2023-07-01")["hrvSummary"]["status"] == "BALANCED"
    assert [r.status for r in garmin.request_log] == [401, 200, 200]
    assert garmin.request_log[0].source == "fault:401"


# ------------------------------------------------------------------------------------------------------------
# Activities and original files
# ------------------------------------------------------------------------------------------------------------


def test_activities_paging(api: Garmin) -> None:
    first = [a["activityId"] for a in api.get_activities(0, 2)]
    second = [a["activityId"] for a in api.get_activities(2, 2)]
    beyond = api.get_activities(4, 2)
    assert first == [21482825013, 21461718086]  # as recorded: newest first
    assert second == [21419635589, 21413444039]
    assert beyond == []


def test_activities_by_date_and_type(garmin: FakeGarmin, api: Garmin) -> None:
    in_range = api.get_activities_by_date("2026-01-02", "2026-01-07")
    assert [a["activityId"] for a in in_range] == [21461718086, 21419635589]
    oldest_first = api.get_activities_by_date("2026-01-01", "2026-01-31", sortorder="asc")
    assert [a["startTimeLocal"][:10] for a in oldest_first] == [
        "2026-01-01",
        "2026-01-02",
        "2026-01-06",
        "2026-01-08",
    ]
    running = api.get_activities_by_date("2026-01-01", "2026-01-31", activitytype="running")
    assert [a["activityType"]["typeKey"] for a in running] == ["trail_running"]  # sub-type of running
    # The client pages with start/limit until an empty page.
    starts = [r.arg("start") for r in garmin.requests_to("/activities/search/activities")]
    assert starts[-2:] == ["0", "20"]


def test_activity_detail_recorded_and_synthesized(garmin: FakeGarmin, api: Garmin) -> None:
    recorded = api.get_activity(21482825013)
    assert recorded["summaryDTO"]["distance"] == pytest.approx(4261.19)
    assert garmin.request_log[-1].source.startswith("recorded:")
    synthesized = api.get_activity(21461718086)  # listed, but no detail was recorded
    assert synthesized["activityName"] == "Cuajimalpa de Morelos Hiking"
    assert synthesized["activityTypeDTO"]["typeKey"] == "hiking"
    assert synthesized["summaryDTO"]["startTimeLocal"] == "2026-01-06T07:14:18.0"
    with pytest.raises(GarminConnectConnectionError, match="404"):
        api.get_activity(1)


def test_download_original_is_a_zip_holding_the_mapped_real_fit(garmin: FakeGarmin, api: Garmin) -> None:
    blob = api.download_activity(21482825013, dl_fmt=Garmin.ActivityDownloadFormat.ORIGINAL)
    name, fit = unzip_single(blob)
    assert name == "21482825013_ACTIVITY.fit"
    assert_fit(fit)
    source = require("fit") / "fitdecode/tests/files/garmin-fenix-5-run.fit"
    assert hashlib.sha256(fit).digest() == hashlib.sha256(source.read_bytes()).digest()


def test_download_original_recorded_zip(api: Garmin) -> None:
    name, fit = unzip_single(
        api.download_activity(11998957007, dl_fmt=Garmin.ActivityDownloadFormat.ORIGINAL)
    )
    assert name == "11998957007_ACTIVITY.fit"  # the zip Garmin really sent, replayed
    assert_fit(fit)


def test_download_original_missing_is_an_error(api: Garmin) -> None:
    with pytest.raises(GarminConnectConnectionError):
        api.download_activity(21419635589, dl_fmt=Garmin.ActivityDownloadFormat.ORIGINAL)


def test_added_activities_serve_any_real_fit(garmin: FakeGarmin, api: Garmin) -> None:
    small_valid = [
        i
        for i in fit_manifest()
        if i.type == "activity" and i.intent == "valid" and i.path.stat().st_size < 200_000
    ]
    for info in small_valid[:3]:
        activity_id = garmin.add_activity(
            info.path, name=info.path.stem, type_key=info.row.get("sport") or "other"
        )
        assert activity_id in [a["activityId"] for a in api.get_activities(0, 10)]
        blob = api.download_activity(activity_id, dl_fmt=Garmin.ActivityDownloadFormat.ORIGINAL)
        _name, fit = unzip_single(blob)
        assert fit == info.path.read_bytes()
        assert_fit(fit)


def test_upload_activity_then_duplicate(garmin: FakeGarmin, api: Garmin) -> None:
    fit_path = require("fit") / "python-garminconnect/12129115726_ACTIVITY.fit"
    result = api.upload_activity(str(fit_path))
    imported = result["detailedImportResult"]
    assert imported["fileName"] == "12129115726_ACTIVITY.fit"
    assert imported["fileSize"] == fit_path.stat().st_size
    posted = garmin.requests_to("/upload-service/upload", method="POST")[-1].multipart()["file"]
    assert posted.data == fit_path.read_bytes()

    with pytest.raises(GarminConnectConnectionError, match="409"):
        api.upload_activity(str(fit_path))
    assert garmin.request_log[-1].status == 409
    assert garmin.request_log[-1].source.startswith("recorded+patched:")
    new_id = garmin.uploads[0]["activity_id"]
    _name, fit = unzip_single(api.download_activity(new_id, dl_fmt=Garmin.ActivityDownloadFormat.ORIGINAL))
    assert fit == fit_path.read_bytes()


# ------------------------------------------------------------------------------------------------------------
# Health data
# ------------------------------------------------------------------------------------------------------------

HEALTH_CASES = [
    ("sleep", lambda a: a.get_sleep_data("2021-07-12")["dailySleepDTO"]["calendarDate"], "2021-07-12"),
    ("hrv", lambda a: a.get_hrv_data("2023-07-01")["hrvSummary"]["lastNightAvg"], 40),
    ("stress", lambda a: a.get_all_day_stress("2023-07-01")["calendarDate"], "2023-07-01"),
    ("body battery", lambda a: a.get_body_battery("2023-07-01")[0]["charged"], 23),
    ("steps", lambda a: a.get_daily_steps("2023-07-01", "2023-07-01")[0]["totalSteps"], 1119),
    ("daily summary", lambda a: a.get_user_summary("2023-07-01")["totalSteps"], 1119),
    ("heart rate", lambda a: a.get_heart_rates("2023-07-01")["calendarDate"], "2023-07-01"),
    ("resting HR", lambda a: a.get_rhr_day("2023-07-01")["statisticsStartDate"], "2023-07-01"),
    ("readiness", lambda a: len(a.get_training_readiness("2025-07-07")) > 0, True),
    ("training status", lambda a: "mostRecentTrainingStatus" in a.get_training_status("2025-06-11"), True),
    ("HR zones", lambda a: a.connectapi("/biometric-service/heartRateZones")[0]["zone5Floor"], 170),
]


@pytest.mark.parametrize(("name", "call", "expected"), HEALTH_CASES, ids=[c[0] for c in HEALTH_CASES])
def test_health_endpoints_replay_recordings(
    garmin: FakeGarmin, api: Garmin, name: str, call: Any, expected: Any
) -> None:
    assert call(api) == expected
    assert garmin.unmatched == []
    assert all(not r.source.startswith("unmatched") for r in garmin.request_log)


def test_days_without_data_get_garmins_recorded_empty_answers(garmin: FakeGarmin, api: Garmin) -> None:
    assert api.get_hrv_data("2024-02-02") == {}  # a 204, as Garmin answers
    sleep = api.get_sleep_data("2024-02-02")["dailySleepDTO"]
    assert sleep["calendarDate"] == "2024-02-02" and sleep["sleepTimeSeconds"] is None
    assert api.get_training_readiness("2024-02-02") == []
    assert {r.source.split(":")[0] for r in garmin.request_log} == {
        "recorded-nodata",
        "recorded-nodata(patched date)",
    }


def test_hr_zones_put_then_get(api: Garmin, garmin: FakeGarmin) -> None:
    zones = api.connectapi("/biometric-service/heartRateZones")
    zones[0]["zone5Floor"] = 175
    api.client.put("connectapi", "/biometric-service/heartRateZones", json=zones)
    assert api.connectapi("/biometric-service/heartRateZones")[0]["zone5Floor"] == 175


# ------------------------------------------------------------------------------------------------------------
# Workouts
# ------------------------------------------------------------------------------------------------------------


def sample_workout() -> dict[str, Any]:
    payload = json.loads((require("garmin") / "python-garminconnect/sample_workout.json").read_text())
    for server_side in ("workoutId", "ownerId", "createdDate", "updatedDate"):
        payload.pop(server_side)
    return payload


def test_upload_and_schedule_workout_captures_exact_payloads(garmin: FakeGarmin, api: Garmin) -> None:
    payload = sample_workout()
    created = api.upload_workout(copy.deepcopy(payload))
    workout_id = created["workoutId"]
    assert created["workoutName"] == "Simple session" and created["ownerId"] == garmin.profile_id
    assert garmin.posted_workouts == [payload]  # exactly what the client sent
    assert garmin.requests_to("/workout-service/workout$", method="POST")[0].json() == payload

    scheduled = api.schedule_workout(workout_id, "2026-12-01")
    assert scheduled["calendarDate"] == "2026-12-01" and scheduled["workout"]["workoutId"] == workout_id
    assert garmin.posted_schedules == [(workout_id, {"date": "2026-12-01"})]
    month = api.get_scheduled_workouts(2026, 12)
    assert [(i["workoutId"], i["date"]) for i in month["calendarItems"]] == [(workout_id, "2026-12-01")]
    assert (
        api.get_workout_by_id(workout_id)["workoutSegments"][0]["workoutSteps"][1]["numberOfIterations"] == 6
    )


@pytest.mark.filterwarnings(
    "ignore::DeprecationWarning"
)  # garminconnect.workout uses pydantic v1-style Config
def test_typed_running_workout_from_the_library_builder(garmin: FakeGarmin, api: Garmin) -> None:
    from garminconnect.workout import (
        RunningWorkout,
        WorkoutSegment,
        create_cooldown_step,
        create_interval_step,
        create_recovery_step,
        create_repeat_group,
        create_warmup_step,
    )

    workout = RunningWorkout(
        workoutName="RunCoach 5x3'",
        estimatedDurationInSecs=2700,
        workoutSegments=[
            WorkoutSegment(
                segmentOrder=1,
                sportType={"sportTypeId": 1, "sportTypeKey": "running"},
                workoutSteps=[
                    create_warmup_step(600.0),
                    create_repeat_group(
                        5, [create_interval_step(180.0, 3), create_recovery_step(120.0, 4)], 2
                    ),
                    create_cooldown_step(600.0, 5),
                ],
            )
        ],
    )
    created = api.upload_running_workout(workout)
    assert created["workoutId"] in garmin.workouts
    assert garmin.posted_workouts[-1] == workout.to_dict()


def test_invalid_workout_is_rejected(garmin: FakeGarmin, api: Garmin) -> None:
    payload = sample_workout()
    del payload["workoutSegments"]
    with pytest.raises(GarminConnectConnectionError, match=r"400.*workoutSegments"):
        api.upload_workout(payload)
    assert garmin.workouts == {}


# ------------------------------------------------------------------------------------------------------------
# Faults
# ------------------------------------------------------------------------------------------------------------


def test_429_on_a_data_endpoint_loses_its_status_in_garminconnect(garmin: FakeGarmin, api: Garmin) -> None:
    """garminconnect 0.3.2 turns an API 429 into GarminConnectConnectionError("… API Error 429 …"): status and
    Retry-After are gone, it is NOT GarminConnectTooManyRequestsError. Callers must classify by message."""
    garmin.inject(429, path=r"^/hrv-service/", retry_after=30)
    with pytest.raises(GarminConnectConnectionError, match="API Error 429") as caught:
        api.get_hrv_data("2023-07-01")
    assert not isinstance(caught.value, GarminConnectTooManyRequestsError)
    assert garmin.request_log[-1].status == 429
    assert api.get_hrv_data("2023-07-01")["hrvSummary"]["status"] == "BALANCED"  # fault was for one call


def test_429_on_every_login_strategy_is_the_rate_limit_error(garmin: FakeGarmin) -> None:
    garmin.inject(429, host="sso.garmin.com", times=None, retry_after=60)
    # Client.login raises the library's rate-limit exception…
    with pytest.raises(GarminConnectTooManyRequestsError, match="rate limited"):
        Garmin(EMAIL, PASSWORD).client.login(EMAIL, PASSWORD)
    # …but Garmin.login re-wraps it as a connection error, keeping it as the cause.
    with pytest.raises(GarminConnectConnectionError) as caught:
        Garmin(EMAIL, PASSWORD).login()
    assert isinstance(caught.value.__cause__, GarminConnectTooManyRequestsError)
    strategies = {r.path for r in garmin.request_log}
    assert {"/mobile/api/login", "/sso/embed", "/portal/sso/en-US/sign-in"} <= strategies


def test_500_then_recovery(garmin: FakeGarmin, api: Garmin) -> None:
    garmin.inject(500, path="/activitylist-service/", times=2)
    for _ in range(2):
        with pytest.raises(GarminConnectConnectionError, match="500"):
            api.get_activities(0, 1)
    assert len(api.get_activities(0, 1)) == 1


@pytest.mark.slow
def test_mobile_login_outage_falls_back_to_the_widget_flow(garmin_mfa: FakeGarmin) -> None:
    """The client waits 3-8 s (anti-WAF) inside this flow: slow by design."""
    garmin_mfa.inject(500, path="^/mobile/api/login$", times=None)
    client = Garmin(EMAIL, PASSWORD, prompt_mfa=lambda: MFA_CODE)
    assert client.login() == (None, None)
    widget = [r.path for r in garmin_mfa.requests_to("^/sso/")]
    assert widget == ["/sso/embed", "/sso/signin", "/sso/signin", "/sso/verifyMFA/loginEnterMfaCode"]
    assert client.get_activities(0, 1)


# ------------------------------------------------------------------------------------------------------------
# The fake itself
# ------------------------------------------------------------------------------------------------------------


def test_tls_is_really_verified_and_other_hosts_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import certifi

    with FakeGarmin() as fake:
        fake.apply_env(monkeypatch)
        url = "https://connectapi.garmin.com/userprofile-service/socialProfile"
        with pytest.raises(requests.exceptions.SSLError):  # the public CA set does not trust the fake
            requests.get(url, verify=certifi.where(), timeout=10)
        assert requests.get(url, timeout=10).status_code == 401  # with the fake's CA: reached, no token
        with pytest.raises(requests.exceptions.ProxyError):
            requests.get("https://example.com/", timeout=10)
        assert fake.refused == ["CONNECT example.com:443"]
        assert fake.tls_failures and "connectapi.garmin.com" in fake.tls_failures[0]


def test_instances_are_independent(garmin: FakeGarmin) -> None:
    with FakeGarmin() as other:
        assert other.port != garmin.port
        added = other.add_activity(name="only in other")
        assert added in other.activities and added not in garmin.activities
    with pytest.raises(RuntimeError):
        _ = other.port  # stopped
