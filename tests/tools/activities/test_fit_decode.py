"""Every FIT file of the shared test data, through both decoders, against the manifest and the file itself."""

from __future__ import annotations

import math
import warnings
from datetime import UTC, datetime
from typing import Any

import pytest
from fitparse import FitFile

from tests.support.shared_data import FitFileInfo
from tests.tools.activities.fit_data import (
    TRUNCATED,
    decode_ok,
    decoded,
    expected_records,
    file_type,
    is_corrupt,
    is_importable,
    is_other_type,
    params,
    present,
)
from tools.activities.fit import CorruptFitFile, NotAnActivity, ParsedActivity

DECODERS = ("fast", "fitparse")

# The session messages of the two files fitparse 1.2.0 cannot read, as fitdecode 0.11 reads them.
SESSIONS_FITPARSE_CANNOT_READ: dict[str, list[dict[str, Any]]] = {
    "coros-pace-2-cycling-misaligned-fields.fit": [
        {
            "sport": "cycling",
            "start_time": datetime(2020, 10, 25, 11, 10, 19),
            "total_elapsed_time": 12719.0,
            "total_timer_time": 11287.0,
            "total_distance": 32145.76,
            "total_calories": 1636,
            "max_heart_rate": 168,
        }
    ],
    "strava-android-app-201.10-b1218918.fit": [
        {
            "sport": "running",
            "start_time": datetime(2021, 9, 27, 14, 13, 10),
            "total_elapsed_time": 3558.0,
            "total_timer_time": 3558.0,
            "total_distance": 11274.04,
        }
    ],
}


def _sessions(info: FitFileInfo) -> list[dict[str, Any]]:
    """The file's own session messages, read by fitparse (the oracle), field name → value."""
    if info.path.name in SESSIONS_FITPARSE_CANNOT_READ:
        return SESSIONS_FITPARSE_CANNOT_READ[info.path.name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = FitFile(str(info.path), check_crc=False)
        return [
            {f.name: f.value for f in m.fields if f.value is not None} for m in fit.get_messages("session")
        ]


def _check_against_session(ours: ParsedActivity, session: dict[str, Any]) -> None:
    pairs = {
        "sport": ("sport", ours.sport),
        "total_elapsed_time": ("elapsed_s", ours.elapsed_s),
        "total_timer_time": ("timer_s", ours.timer_s),
        "total_distance": ("distance_m", ours.distance_m),
        "avg_heart_rate": ("avg_hr", ours.avg_hr),
        "max_heart_rate": ("max_hr", ours.max_hr),
        "total_calories": ("calories", ours.calories),
        "total_ascent": ("ascent_m", ours.ascent_m),
    }
    for key, (name, value) in pairs.items():
        if key in session:
            expected = session[key]
            if key.endswith("heart_rate") and expected == 0:
                expected = None  # 0 bpm means "no heart-rate sensor" (Zwift writes it); we store no value
            assert value == expected, f"{name}: ours {value!r}, session {expected!r}"
    if isinstance(session.get("start_time"), datetime):  # (device-time files hold an int here)
        assert ours.start_time == session["start_time"].replace(tzinfo=UTC)
    speed = session.get("enhanced_avg_speed", session.get("avg_speed"))
    if speed is not None:
        assert ours.avg_speed_mps == speed


@pytest.mark.parametrize("decoder", DECODERS)
@pytest.mark.parametrize("info", params(is_importable, slow_for="fitparse"))
def test_activity_file_decodes(info: FitFileInfo | None, decoder: str) -> None:
    info = present(info)
    activity = decode_ok(info.path, decoder)
    assert activity.sample_count == expected_records(info)
    assert len(activity.laps) + sum(len(leg.laps) for leg in activity.legs) == int(info.row["lap_msgs"])
    if activity.legs:
        assert not activity.samples and not activity.laps
    assert activity.start_time.tzinfo is not None and not activity.start_time.utcoffset()
    if info.row["sport"]:
        sports = {leg.sport for leg in activity.legs} or {activity.sport}
        assert sports == set(info.row["sport"].split(";"))


def _oracle_reads(info: FitFileInfo) -> bool:
    """Importable, and whole (fitparse, the oracle, reads no truncated file)."""
    return is_importable(info) and info.path.name not in TRUNCATED


@pytest.mark.parametrize("info", params(_oracle_reads, slow_for="fitparse"))  # fitparse is the oracle
def test_totals_match_the_files_session_message(info: FitFileInfo | None) -> None:
    info = present(info)
    activity = decode_ok(info.path, "fast")
    sessions = _sessions(info)
    assert len(sessions) == int(info.row["session_msgs"])
    if len(sessions) == 1:
        _check_against_session(activity, sessions[0])
    else:
        assert len(activity.legs) == len(sessions)
        ordered = sorted(sessions, key=lambda s: s["start_time"])
        for leg, session in zip(activity.legs, ordered, strict=True):
            _check_against_session(leg, session)
        assert activity.sport == "multisport"
        assert activity.distance_m == pytest.approx(sum(s.get("total_distance", 0) for s in sessions))
        assert activity.timer_s == pytest.approx(sum(s["total_timer_time"] for s in sessions))
        assert activity.max_hr == max((leg.max_hr for leg in activity.legs if leg.max_hr), default=None)


@pytest.mark.parametrize("info", params(lambda i: True, slow_for="fitparse"))
def test_both_decoders_agree(info: FitFileInfo | None) -> None:
    info = present(info)
    fast, reference = decoded(info.path, "fast"), decoded(info.path, "fitparse")
    if isinstance(fast, Exception) or isinstance(reference, Exception):
        assert type(fast) is type(reference)
        assert str(fast) == str(reference)
        return
    assert fast.model_dump(exclude={"samples", "legs"}) == reference.model_dump(exclude={"samples", "legs"})
    assert fast.samples == reference.samples
    assert fast.legs == reference.legs


@pytest.mark.parametrize("decoder", DECODERS)
@pytest.mark.parametrize("info", params(is_other_type))
def test_other_fit_files_are_not_activities(info: FitFileInfo | None, decoder: str) -> None:
    info = present(info)
    error = decoded(info.path, decoder)
    assert isinstance(error, NotAnActivity)
    assert error.file_type == file_type(info)
    assert info.path.name in error.message and "not a recorded activity" in error.message


@pytest.mark.parametrize("decoder", DECODERS)
@pytest.mark.parametrize("info", params(is_corrupt))
def test_corrupt_files_are_rejected_with_a_reason(info: FitFileInfo | None, decoder: str) -> None:
    info = present(info)
    error = decoded(info.path, decoder)
    assert isinstance(error, CorruptFitFile)
    assert info.path.name in error.message
    assert error.reason and error.reason in error.message
    assert error.to_dict()["code"] == "fit_corrupt"


@pytest.mark.parametrize("info", params(is_importable))
def test_samples_are_columns_of_equal_length_with_sane_values(info: FitFileInfo | None) -> None:
    info = present(info)
    samples = decode_ok(info.path, "fast").samples
    n = len(samples)
    for name in samples.COLUMNS:
        assert len(getattr(samples, name)) == n, name
    assert all(isinstance(t, datetime) and t.tzinfo is UTC for t in samples.ts)
    assert all(-90 <= v <= 90 for v in samples.lat if v is not None)
    assert all(-180 <= v <= 180 for v in samples.lon if v is not None)
    assert all(20 <= v <= 250 for v in samples.heart_rate if v is not None)
    assert all(math.isfinite(v) and v >= 0 for v in samples.speed_mps if v is not None)
    assert all(isinstance(v, int) for v in samples.heart_rate + samples.power_w if v is not None)
