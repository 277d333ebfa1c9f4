"""The real stravalib client, unmodified, against the local Strava fake (tests/fakes/strava_server.py).

stravalib gets a `requests.Session` whose proxy is the fake and whose CA is the fake's throwaway CA; it sends
its production requests to https://www.strava.com, which the fake serves over verified TLS.
"""

from __future__ import annotations

import gzip
import itertools
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from stravalib import exc
from stravalib.client import BatchedResultsIterator
from stravalib.model import SummaryActivity
from stravalib.util.limiter import RateLimiter, RequestRate, get_rates_from_response_headers

from tests.fakes import FakeStrava
from tests.support.shared_data import fit_manifest, require

REDIRECT = "http://localhost:8000/strava/callback"
SMALL_RUN = "fitdecode/tests/files/activity-small-fenix2-run.fit"  # 2 809 records: realistic streams
TINY_RUN = "fitdecode/tests/files/garmin-fenix-5-run.fit"  # 21 records: quick to decode


@pytest.fixture
def strava(monkeypatch: pytest.MonkeyPatch):
    # stravalib reads these to decide on automatic token refresh; tests opt in explicitly.
    monkeypatch.delenv("STRAVA_CLIENT_ID", raising=False)
    monkeypatch.delenv("STRAVA_CLIENT_SECRET", raising=False)
    with FakeStrava() as fake:
        yield fake
        assert fake.errors == [], "the fake raised while answering"
        assert fake.schema_errors == [], "an answer did not validate against stravalib's models"
        assert fake.refused == []


@pytest.fixture
def client(strava: FakeStrava) -> Any:
    return strava.client(access_token=strava.issue_tokens()["access_token"])


def authorize(strava: FakeStrava, client: Any, scope: list[str], state: str = "s-1") -> str:
    """What the user's browser does: open the authorization URL; Strava redirects back with a code."""
    url = client.authorization_url(
        client_id=strava.client_id, redirect_uri=REDIRECT, scope=scope, state=state
    )
    response = client.protocol.rsession.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == [state]
    assert set(query["scope"][0].split(",")) == set(scope)
    return query["code"][0]


def fit_bytes(relative: str = SMALL_RUN) -> bytes:
    return (require("fit") / relative).read_bytes()


# ------------------------------------------------------------------------------------------------------------
# OAuth
# ------------------------------------------------------------------------------------------------------------


def test_oauth_code_exchange(strava: FakeStrava) -> None:
    client = strava.client()
    code = authorize(strava, client, ["read", "activity:read_all"])
    info, athlete = client.exchange_code_for_token(
        strava.client_id, strava.client_secret, code, return_athlete=True
    )
    assert set(info) == {"access_token", "refresh_token", "expires_at"}
    assert info["expires_at"] > time.time() + 3600
    assert athlete is not None and athlete.id == strava.athlete_id
    assert client.access_token == info["access_token"]
    assert client.get_athlete().id == strava.athlete_id

    token_request = strava.requests_to("^/oauth/token$")[0]
    assert token_request.tls and token_request.host == "www.strava.com"
    assert token_request.form()["grant_type"] == "authorization_code"
    with pytest.raises(exc.Fault, match="AuthorizationCode"):  # a code works once
        client.exchange_code_for_token(strava.client_id, strava.client_secret, code)


def test_oauth_denied_and_bad_client(strava: FakeStrava) -> None:
    client = strava.client()
    strava.approve_authorization = False
    url = client.authorization_url(client_id=strava.client_id, redirect_uri=REDIRECT, state="x")
    location = client.protocol.rsession.get(url, allow_redirects=False, timeout=10).headers["Location"]
    assert parse_qs(urlsplit(location).query) == {"state": ["x"], "error": ["access_denied"]}
    with pytest.raises(exc.Fault, match="client_secret"):
        client.exchange_code_for_token(strava.client_id, "not-the-secret", "whatever")


def test_refresh_rotates_and_the_old_refresh_token_is_rejected(strava: FakeStrava) -> None:
    client = strava.client()
    first = client.exchange_code_for_token(
        strava.client_id, strava.client_secret, authorize(strava, client, ["read"])
    )
    second = client.refresh_access_token(strava.client_id, strava.client_secret, first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert client.refresh_token == second["refresh_token"] and client.token_expires == second["expires_at"]
    assert client.get_athlete().id == strava.athlete_id

    with pytest.raises(exc.Fault, match="RefreshToken") as caught:
        client.refresh_access_token(strava.client_id, strava.client_secret, first["refresh_token"])
    assert caught.value.response.status_code == 400
    third = client.refresh_access_token(strava.client_id, strava.client_secret, second["refresh_token"])
    assert third["refresh_token"] not in (first["refresh_token"], second["refresh_token"])


def test_expired_token_is_refreshed_automatically(
    strava: FakeStrava, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRAVA_CLIENT_ID", str(strava.client_id))
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", strava.client_secret)
    tokens = strava.issue_tokens("read")
    strava.expire_access_tokens()
    client = strava.client(
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        token_expires=int(time.time()) - 1,
    )
    assert client.get_athlete().id == strava.athlete_id
    assert [(r.method, r.path) for r in strava.request_log] == [
        ("POST", "/oauth/token"),
        ("GET", "/api/v3/athlete"),
    ]
    assert client.refresh_token != tokens["refresh_token"]


def test_expired_or_unknown_token_is_401(strava: FakeStrava) -> None:
    client = strava.client(access_token=strava.issue_tokens()["access_token"])
    strava.expire_access_tokens()
    with pytest.raises(exc.AccessUnauthorized, match="Authorization Error"):
        client.get_athlete()
    with pytest.raises(exc.AccessUnauthorized):
        strava.client(access_token="made-up").get_athlete()


def test_missing_scope_is_401_with_the_missing_permission(strava: FakeStrava) -> None:
    client = strava.client(access_token=strava.issue_tokens("read")["access_token"])
    assert client.get_athlete().id == strava.athlete_id
    with pytest.raises(exc.AccessUnauthorized, match="activity:read_permission"):
        client.get_activity_streams(99895560, types=["time"])
    # upload_activity does not check the HTTP status: the 401 Fault body becomes an upload error.
    with pytest.raises(exc.ActivityUploadFailed, match="activity:write_permission"):
        client.upload_activity(b"x", data_type="fit")


# ------------------------------------------------------------------------------------------------------------
# Athlete and activities
# ------------------------------------------------------------------------------------------------------------


def test_get_athlete(strava: FakeStrava, client: Any) -> None:
    athlete = client.get_athlete()
    assert (athlete.id, athlete.firstname, athlete.lastname) == (strava.athlete_id, "Marianne", "Teutenberg")
    assert strava.request_log[-1].header("authorization") == f"Bearer {client.access_token}"


def test_get_activities_newest_first_with_filters(strava: FakeStrava, client: Any) -> None:
    everything = list(client.get_activities())
    starts = [a.start_date for a in everything]
    assert len(everything) == 5 and starts == sorted(starts, reverse=True)
    assert all(a.athlete.id == strava.athlete_id for a in everything)
    assert [a.name for a in client.get_activities(limit=2)] == ["Happy Friday", "Bondcliff"]
    in_2013 = client.get_activities(
        after=datetime(2013, 1, 1, tzinfo=UTC), before=datetime(2014, 1, 1, tzinfo=UTC)
    )
    assert [a.id for a in in_2013] == [99895560, 96089609]
    sent = strava.requests_to("/athlete/activities")[-1]
    assert sent.arg("after") == "1356998400" and sent.arg("before") == "1388534400"


def test_activities_paging(strava: FakeStrava, client: Any) -> None:
    pages = BatchedResultsIterator(
        entity=SummaryActivity,
        bind_client=client,
        result_fetcher=lambda page, per_page: client.protocol.get(
            "/athlete/activities", page=page, per_page=per_page
        ),
        per_page=2,
    )
    assert len(list(pages)) == 5
    asked = [(r.arg("page"), r.arg("per_page")) for r in strava.requests_to("/athlete/activities")]
    assert asked == [("1", "2"), ("2", "2"), ("3", "2")]


def test_get_activity_and_missing_activity(client: Any) -> None:
    activity = client.get_activity(99895560)
    assert activity.name == "Lunch Rover Shuffle-Walk-Yog with Todd"
    assert float(activity.distance) == pytest.approx(5781.1)
    assert len(activity.splits_metric) == 6
    with pytest.raises(exc.ObjectNotFound, match="Record Not Found"):
        client.get_activity(42)


def test_streams_are_consistent_with_the_activity(strava: FakeStrava, client: Any) -> None:
    activity = strava.activities[99895560]
    streams = client.get_activity_streams(
        99895560, types=["time", "distance", "latlng", "altitude", "moving"]
    )
    assert set(streams) == {"time", "distance", "latlng", "altitude", "moving"}
    n = len(streams["time"].data)
    assert all(len(s.data) == n and s.original_size == n for s in streams.values())
    assert streams["time"].data[-1] == activity["elapsed_time"]
    assert streams["distance"].data[-1] == pytest.approx(activity["distance"])
    assert streams["distance"].data == sorted(streams["distance"].data)
    assert sum(streams["moving"].data) == activity["moving_time"]
    assert streams["latlng"].data[0] == pytest.approx(activity["start_latlng"], abs=1e-6)
    assert streams["latlng"].data[-1] == pytest.approx(activity["end_latlng"], abs=1e-6)
    altitude = streams["altitude"].data
    gain = sum(max(0.0, b - a) for a, b in itertools.pairwise(altitude))
    assert gain == pytest.approx(activity["total_elevation_gain"], abs=0.5)
    sent = strava.requests_to("/streams$")[-1]
    assert sent.arg("keys") == "time,distance,latlng,altitude,moving" and sent.arg("key_by_type") == "True"


def test_streams_include_heartrate_when_the_activity_has_it(client: Any) -> None:
    streams = client.get_activity_streams(154504250376823, types=["heartrate", "cadence", "watts"])
    assert set(streams) == {"heartrate", "cadence", "watts", "distance"}  # distance: the series indexed by
    hr = streams["heartrate"].data
    assert max(hr) <= 178 and min(hr) > 0
    assert client.get_activity_streams(96089609) == {}  # manual activity: no streams


# ------------------------------------------------------------------------------------------------------------
# Uploads
# ------------------------------------------------------------------------------------------------------------


def test_upload_fit_polls_until_ready(strava: FakeStrava, client: Any) -> None:
    data = fit_bytes()
    uploader = client.upload_activity(data, data_type="fit", name="Track session", external_id="runcoach-1")
    assert uploader.is_processing and uploader.status == "Your activity is still being processed."
    assert uploader.external_id == "runcoach-1"
    uploader.poll()
    assert uploader.is_processing  # processing_polls=1: the first poll still sees "processing"
    uploader.poll()
    assert uploader.is_complete and uploader.status == "Your activity is ready."

    activity = uploader.wait(poll_interval=0)
    assert activity.id == uploader.activity_id and activity.name == "Track session"
    assert activity.type.root == "Run"
    assert float(activity.distance) == pytest.approx(strava.activities[activity.id]["distance"])
    assert float(activity.distance) > 1000

    posted = strava.requests_to("^/api/v3/uploads$", method="POST")[0]
    assert posted.multipart()["file"].data == data
    assert posted.arg("data_type") == "fit"  # stravalib sends the form fields as query parameters

    streams = client.get_activity_streams(activity.id, types=["time", "latlng", "heartrate"])
    assert len(streams["time"].data) > 1000  # decoded from the FIT records
    assert streams["latlng"].data[0] == pytest.approx(
        strava.activities[activity.id]["start_latlng"], abs=1e-6
    )


def test_upload_gzipped_fit(client: Any) -> None:
    uploader = client.upload_activity(gzip.compress(fit_bytes(TINY_RUN)), data_type="fit.gz")
    assert uploader.wait(poll_interval=0).type.root == "Run"


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("text", "duplicate of activity {id}"),
        ("html", "duplicate of <a href='https://www.strava.com/activities/{id}'"),
    ],
)
def test_duplicate_upload_is_reported_while_processing(
    monkeypatch: pytest.MonkeyPatch, style: str, expected: str
) -> None:
    monkeypatch.delenv("STRAVA_CLIENT_ID", raising=False)
    with FakeStrava(duplicate_style=style) as strava:
        client = strava.client(access_token=strava.issue_tokens()["access_token"])
        first = client.upload_activity(fit_bytes(TINY_RUN), data_type="fit").wait(poll_interval=0)
        second = client.upload_activity(fit_bytes(TINY_RUN), data_type="fit")
        assert second.is_processing  # Strava accepts the file, then reports the duplicate
        with pytest.raises(exc.ActivityUploadFailed) as caught:
            second.wait(poll_interval=0)
        assert expected.format(id=first.id) in str(caught.value)
        assert second.status == "There was an error processing your activity."
        assert strava.errors == []


def test_corrupt_fit_upload_fails_processing(client: Any) -> None:
    corrupt = next(i for i in fit_manifest() if i.intent.startswith("corrupt") and "filecrc" in i.path.name)
    uploader = client.upload_activity(corrupt.path.read_bytes(), data_type="fit")
    with pytest.raises(exc.ActivityUploadFailed, match="Error parsing file"):
        uploader.wait(poll_interval=0)


def test_upload_rejects_a_bad_data_type(strava: FakeStrava, client: Any) -> None:
    client.protocol.post("/uploads", files={"file": b"x"}, check_for_errors=False, data_type="csv")
    assert strava.request_log[-1].status == 400


# ------------------------------------------------------------------------------------------------------------
# Rate limits and faults
# ------------------------------------------------------------------------------------------------------------


class RecordingLimiter(RateLimiter):
    """A rate limiter (stravalib's public extension point) that records what the headers said."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[RequestRate | None] = []
        self.rules.append(
            lambda headers, method: self.seen.append(get_rates_from_response_headers(headers, method))
        )


def test_rate_limit_headers_reach_the_client_limiter(strava: FakeStrava) -> None:
    limiter = RecordingLimiter()
    client = strava.client(access_token=strava.issue_tokens()["access_token"], rate_limiter=limiter)
    client.get_athlete()
    client.get_activity(99895560)
    assert limiter.seen == [
        RequestRate(
            short_usage=1, long_usage=1, short_limit=100, long_limit=1000
        ),  # reads use the read limits
        RequestRate(short_usage=2, long_usage=2, short_limit=100, long_limit=1000),
    ]
    assert strava.request_log[-1].status == 200


def test_exhausted_quota_is_a_429_fault_not_RateLimitExceeded(strava: FakeStrava) -> None:
    """stravalib 2.6 never raises exc.RateLimitExceeded: a 429 is a generic exc.Fault. Its DefaultRateLimiter,
    seeing usage >= limit in those headers, would first sleep until the next quarter hour (up to 15 min):
    RunCoach must pass its own rate_limiter (or rate_limit_requests=False) and handle the 429 itself."""
    strava.set_rate_limit_usage(600, 1200, read_short=100, read_long=150)
    client = strava.client(access_token=strava.issue_tokens()["access_token"], rate_limit_requests=False)
    with pytest.raises(exc.Fault, match="Rate Limit Exceeded") as caught:
        client.get_athlete()
    assert not isinstance(caught.value, exc.RateLimitExceeded)
    response = caught.value.response
    assert response.status_code == 429
    rates = get_rates_from_response_headers(dict(response.headers), "GET")
    assert rates is not None and rates.short_usage > rates.short_limit


def test_injected_429_and_5xx(strava: FakeStrava, client: Any) -> None:
    strava.inject(429, path="^/api/v3/athlete$", times=1)
    strava.inject(503, path="^/api/v3/activities/", times=2)
    with pytest.raises(exc.Fault) as caught:
        client.get_athlete()
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["X-RateLimit-Usage"]  # faults carry the usage headers too
    for _ in range(2):
        with pytest.raises(exc.Fault, match="503 Server Error"):
            client.get_activity(99895560)
    assert client.get_athlete().id == strava.athlete_id
    assert client.get_activity(99895560).id == 99895560


# ------------------------------------------------------------------------------------------------------------
# The fake itself
# ------------------------------------------------------------------------------------------------------------


def test_zones_and_other_swagger_operations(strava: FakeStrava, client: Any) -> None:
    zones = client.get_athlete_zones()
    assert [z.min for z in zones.heart_rate.zones.root] == [0, 120, 149, 164, 179]
    activity_zones = client.get_activity_zones(99895560)
    assert {z.type for z in activity_zones} == {"heartrate", "pace"}
    assert strava.request_log[-1].source == "example:example_zone_response.json"
    gear = client.get_gear("b12345678987655")  # any other operation with a swagger example
    assert gear.id and strava.request_log[-1].source == "swagger-example:getGearById"


def test_tls_is_really_verified_and_other_hosts_are_refused() -> None:
    with FakeStrava() as strava:
        session = strava.requests_session()
        session.verify = True  # the public CA set: must not trust the fake
        with pytest.raises(requests.exceptions.SSLError):
            session.get("https://www.strava.com/api/v3/athlete", timeout=10)
        assert (
            strava.requests_session().get("https://www.strava.com/api/v3/athlete", timeout=10).status_code
            == 401
        )
        with pytest.raises(requests.exceptions.ProxyError):
            strava.requests_session().get("https://example.com/", timeout=10)
        assert strava.refused == ["CONNECT example.com:443"]


def test_instances_are_independent_and_stop_cleanly() -> None:
    with FakeStrava() as a, FakeStrava() as b:
        assert a.port != b.port
        url = a.base_url
        token = a.issue_tokens()["access_token"]
        assert a.client(access_token=token).get_athlete().id == a.athlete_id
        with pytest.raises(exc.AccessUnauthorized):
            b.client(access_token=token).get_athlete()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/api/v3/athlete", timeout=2)
