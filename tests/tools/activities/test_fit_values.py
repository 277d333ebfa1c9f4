"""Values checked by hand on real files: units, places, time zones, legs, and the odd files."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar

import pytest

from tests.tools.activities.fit_data import by_name, decode_ok

DECODERS = pytest.mark.parametrize("decoder", ["fast", "fitparse"])
T = TypeVar("T")


def _present(values: Sequence[T | None]) -> list[T]:
    return [v for v in values if v is not None]


@DECODERS
def test_running_file_in_steps_per_minute_with_running_dynamics(decoder: str) -> None:
    a = decode_ok(by_name("garmin-fenix-5-run.fit"), decoder)
    s = a.samples
    assert a.sport == "running" and a.sub_sport == "generic"
    assert 150 <= statistics.median(_present(s.cadence)) <= 200  # FIT stores 90 strides/min; we give steps
    assert 150 <= (a.avg_cadence or 0) <= 200 and a.laps[0].avg_cadence == a.avg_cadence
    assert 38.22 < min(_present(s.lat)) < max(_present(s.lat)) < 38.24  # Sonoma County, California
    assert -122.64 < min(_present(s.lon)) < max(_present(s.lon)) < -122.63
    assert a.tz_offset_s == -7 * 3600  # PDT
    assert (a.device_manufacturer, a.device_product) == ("garmin", "fenix5")
    assert 30 < statistics.median(_present(s.vertical_oscillation_mm)) < 150
    assert 150 < statistics.median(_present(s.stance_time_ms)) < 400
    assert 400 < statistics.median(_present(s.step_length_mm)) < 2000
    assert 2 < statistics.median(_present(s.vertical_ratio_pct)) < 15
    assert 40 < statistics.median(_present(s.stance_time_balance_pct)) < 60
    assert a.laps[0].lap_trigger == "session_end"


@DECODERS
def test_walking_cadence_in_steps_and_cycling_in_rpm(decoder: str) -> None:
    walk = decode_ok(by_name("garmin-fenix-5-walk.fit"), decoder)
    assert 90 <= statistics.median(_present(walk.samples.cadence)) <= 140
    ride = decode_ok(by_name("2019-02-17-062644-ELEMNT-297E-195-0.fit"), decoder)
    assert 50 <= statistics.median(_present(ride.samples.cadence)) <= 110
    assert 31.1 < statistics.median(_present(ride.samples.lat)) < 31.3  # Shanghai
    assert 121.4 < statistics.median(_present(ride.samples.lon)) < 121.6
    assert ride.tz_offset_s == 8 * 3600
    assert ride.avg_power == 102 and ride.max_power == 668 and max(_present(ride.samples.power_w)) <= 2000
    assert (ride.device_manufacturer, ride.device_product) == ("wahoo_fitness", "28")


@DECODERS
def test_triathlon_legs(decoder: str) -> None:
    a = decode_ok(by_name("sample_mulitple_header.fit"), decoder)  # 4 chained parts, 5 sessions
    assert a.sport == "multisport" and a.is_multisport
    assert [leg.sport for leg in a.legs] == ["swimming", "transition", "cycling", "transition", "running"]
    assert a.legs[0].sub_sport == "open_water"
    assert [[lap.index for lap in leg.laps] for leg in a.legs] == [[0]] * 5
    assert not a.laps and not a.samples  # the parent only summarises its legs
    assert a.avg_cadence is None  # swim strokes, bike rpm and run steps do not average
    assert [len(leg.samples) for leg in a.legs] == [349, 38, 854, 14, 518] and a.sample_count == 1773
    for leg, after in zip(a.legs, a.legs[1:], strict=False):  # each leg's samples lie in its own time range
        assert leg.start_time <= leg.samples.ts[0] and leg.samples.ts[-1] < after.start_time
    run = a.legs[-1]
    assert 150 <= statistics.median(_present(run.samples.cadence)) <= 200
    bike = a.legs[2]
    assert 60 <= statistics.median(_present(bike.samples.cadence)) <= 110
    assert a.start_time == a.legs[0].start_time
    last = a.legs[-1]
    assert a.elapsed_s == pytest.approx((last.start_time - a.start_time).total_seconds() + last.elapsed_s)
    assert a.distance_m == pytest.approx(sum(leg.distance_m or 0 for leg in a.legs))


@DECODERS
def test_device_time_file_is_placed_by_its_activity_message(decoder: str) -> None:
    a = decode_ok(by_name("compressed-speed-distance.fit"), decoder)  # Forerunner 70, clock never set
    assert a.start_time == datetime(2012, 2, 13, 11, 16, 16, tzinfo=UTC)
    assert a.tz_offset_s is None and any("clock was not set" in w for w in a.warnings)
    assert a.samples.distance_m[-1] == pytest.approx(a.distance_m, abs=20)  # accumulated 12-bit distance


@DECODERS
def test_strava_file_damaged_part_way_keeps_what_came_before(decoder: str) -> None:
    a = decode_ok(by_name("strava-android-app-201.10-b1218918.fit"), decoder)
    assert len(a.samples) == 472
    assert a.samples.ts[-1] == datetime(2021, 9, 27, 14, 18, 24, tzinfo=UTC)  # not 2085
    assert a.distance_m == 11274.04 and a.elapsed_s == 3558.0  # the summary the app wrote first
    assert any("damaged from byte 7471" in w for w in a.warnings)
    assert a.samples.ts.count(a.samples.ts[0]) == 2  # the app writes two records per second


@DECODERS
def test_coros_file_with_misaligned_fields(decoder: str) -> None:
    a = decode_ok(by_name("coros-pace-2-cycling-misaligned-fields.fit"), decoder)
    # fitparse's profile (2020) predates COROS's manufacturer number, so the name is the number
    assert (a.sport, a.device_manufacturer, a.device_product) == ("cycling", "294", "802")
    assert len(a.samples) == 11272 and a.distance_m == 32145.76
    assert a.avg_hr is not None and a.max_hr == 168  # the session has no average: taken from the samples


@DECODERS
def test_zero_heart_rate_means_no_sensor(decoder: str) -> None:
    a = decode_ok(by_name("null_compressed_speed_dist.fit"), decoder)  # Zwift, no strap
    assert a.avg_hr is None and a.max_hr is None and not _present(a.samples.heart_rate)
    assert a.sub_sport == "virtual_activity" and a.max_power is not None


@DECODERS
def test_chained_activity_and_settings(decoder: str) -> None:
    a = decode_ok(by_name("activity-settings.fit"), decoder)
    assert a == decode_ok(by_name("Activity.fit"), decoder).model_copy(update={"file_sha256": a.file_sha256})
    assert a.tz_offset_s == -4 * 3600


@DECODERS
def test_laps_without_heart_rate_fields_get_it_from_their_samples(decoder: str) -> None:
    """The Fenix 2 writes lap messages without avg/max HR; each lap gets the mean and max of the samples
    recorded within it (as the activity's average does), and together they weigh up to that average."""
    a = decode_ok(by_name("activity-small-fenix2-run.fit"), decoder)
    s = a.samples
    assert len(a.laps) == 4
    weighted = 0.0
    for lap in a.laps:
        assert lap.elapsed_s is not None
        inside = [
            hr
            for t, hr in zip(s.ts, s.heart_rate, strict=True)
            if hr is not None and 0 <= (t - lap.start_time).total_seconds() < lap.elapsed_s
        ]
        assert lap.avg_hr == round(statistics.fmean(inside)) and lap.max_hr == max(inside)
        weighted += statistics.fmean(inside) * len(inside)
    assert round(weighted / len(_present(s.heart_rate))) == a.avg_hr


@DECODERS
def test_laps_with_heart_rate_fields_keep_the_files_values(decoder: str) -> None:
    a = decode_ok(by_name("garmin-fenix-5-run.fit"), decoder)
    assert (a.laps[0].avg_hr, a.laps[0].max_hr) == (90, 112)  # the lap message's own avg/max HR fields
