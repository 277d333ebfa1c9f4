"""The parts of the Strava integration on their own: streams → samples, sports, duplicate messages, the
rate-limit window, and error translation."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from stravalib import exc

from core.errors import IntegrationError, NotFound, RateLimited, ReauthRequired, ServiceUnavailable
from tools.strava.activities import sport_of, streams_to_samples, to_new_activity
from tools.strava.client import ResponseRecorder, next_window_s, translate_error, window_wait_s
from tools.strava.upload import duplicate_of

START = datetime(2026, 11, 1, 7, 0, tzinfo=UTC)


def _streams(**series: list[object]) -> dict[str, SimpleNamespace]:
    return {k: SimpleNamespace(data=v) for k, v in series.items()}


def test_streams_become_per_second_samples() -> None:
    samples = streams_to_samples(
        START,
        _streams(
            time=[0, 1, 1, 3],  # a repeated second keeps its last value; a missing one stays missing
            heartrate=[120, 121, 122, 125],
            latlng=[[1.0, 2.0], [1.1, 2.1], [1.2, 2.2], None],
            cadence=[80, 81, 82, 83],
            velocity_smooth=[0.0, 2.5, 2.6, 3.0],
            watts=[1, 2],  # the wrong length: ignored rather than misaligned
        ),
        cadence_factor=2.0,
    )
    assert [(t - START).total_seconds() for t in samples["ts"]] == [0, 1, 3]
    assert samples["heart_rate"] == [120, 122, 125]
    assert samples["lat"] == [1.0, 1.2, None] and samples["lon"] == [2.0, 2.2, None]
    assert samples["cadence"] == [160.0, 164.0, 166.0]  # steps per minute, like the FIT import
    assert samples["speed_mps"] == [0.0, 2.6, 3.0]
    assert "power_w" not in samples
    assert streams_to_samples(START, {}) == {}


def test_sports_map_to_the_fit_names() -> None:
    def kind(sport_type: str | None, type_: str = "Workout") -> tuple[str, str | None]:
        return sport_of(
            SimpleNamespace(sport_type=SimpleNamespace(root=sport_type), type=SimpleNamespace(root=type_))
        )

    assert kind("TrailRun") == ("running", "trail")
    assert kind("VirtualRide") == ("cycling", "virtual_activity")
    assert kind(None, "Run") == ("running", None)
    assert kind("Pickleball") == ("generic", "pickleball")


def test_a_run_summary_doubles_cadence_and_keeps_the_strava_id() -> None:
    run = SimpleNamespace(
        id=42,
        name="Easy",
        start_date=START,
        sport_type=SimpleNamespace(root="Run"),
        type=None,
        utc_offset=3600.0,
        elapsed_time=1800,
        moving_time=1750,
        distance=5000.0,
        total_elevation_gain=12.0,
        average_heartrate=140.0,
        max_heartrate=160.0,
        average_cadence=86.0,
        average_speed=2.86,
        max_speed=4.0,
        manual=False,
    )
    new = to_new_activity(run, _streams(time=[0, 1], cadence=[85, 86]))
    assert new.fields["source"] == "strava" and new.fields["external_id"] == "42"
    assert new.fields["strava_activity_id"] == 42 and new.fields["tz_offset_s"] == 3600
    assert new.fields["avg_cadence"] == 172.0 and new.samples["cadence"] == [170.0, 172.0]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("run.fit duplicate of activity 12345", 12345),
        ("run.fit duplicate of <a href='https://www.strava.com/activities/678' target='_blank'>678</a>", 678),
        ("Error parsing file run.fit: ValueError", None),
    ],
)
def test_duplicate_messages(message: str, expected: int | None) -> None:
    assert duplicate_of(message) == expected


def test_the_next_window_follows_retry_after_then_stravas_usage_headers() -> None:
    at = datetime(2026, 11, 23, 10, 7, 30, tzinfo=UTC).timestamp()
    assert next_window_s({"Retry-After": "42"}, now=at) == 42.0
    over_short = {"X-RateLimit-Limit": "200,2000", "X-RateLimit-Usage": "201,900"}
    assert next_window_s(over_short, "POST", now=at) == pytest.approx(7 * 60 + 30 + 5)  # to 10:15 (+5 s)
    over_day = {"X-RateLimit-Limit": "200,2000", "X-RateLimit-Usage": "20,2000"}
    assert next_window_s(over_day, "POST", now=at) == pytest.approx((13 * 60 + 52) * 60 + 30 + 5)
    assert next_window_s({}, now=at) == 60.0
    assert window_wait_s(None) is None


def test_strava_errors_become_what_the_user_and_the_runner_need() -> None:
    def recorder(status: int, headers: dict[str, str] | None = None) -> ResponseRecorder:
        r = ResponseRecorder()
        r.status, r.headers = status, headers or {}
        return r

    limited = translate_error(exc.Fault("429"), recorder(429, {"Retry-After": "5"}), what="x")
    assert isinstance(limited, RateLimited) and limited.retry_after_s == 5.0
    assert isinstance(translate_error(exc.AccessUnauthorized("no"), recorder(401), what="x"), ReauthRequired)
    assert isinstance(translate_error(exc.ObjectNotFound("no"), recorder(404), what="x"), NotFound)
    assert isinstance(translate_error(exc.Fault("503"), recorder(503), what="x"), ServiceUnavailable)
    assert isinstance(translate_error(exc.Fault("400"), recorder(400), what="x"), IntegrationError)
