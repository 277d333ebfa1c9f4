"""Cases the real files do not cover, written byte by byte, plus the checksum against fitparse's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fitparse.records import Crc
from hypothesis import given
from hypothesis import strategies as st

from tests.tools.activities.fit_writer import BYTE, ENUM, FIT_2020, UINT8, UINT16, UINT32, FitWriter, activity
from tools.activities.fit import (
    CorruptFitFile,
    Decoder,
    MissingTimestamps,
    NoRecords,
    NotAnActivity,
    SampleColumns,
    TimestampsOutOfOrder,
    decode_fit,
)
from tools.activities.fit.build import BACKWARDS_TOLERANCE_S
from tools.activities.fit.crc import fit_crc

DECODERS = pytest.mark.parametrize("decoder", ["fast", "fitparse"])
T0 = datetime(2020, 1, 1, tzinfo=UTC)


@given(st.binary(max_size=300), st.integers(0, 300))
def test_checksum_equals_fitparse(data: bytes, split: int) -> None:
    assert fit_crc(data) == Crc.calculate(data)
    assert fit_crc(data[split:], fit_crc(data[:split])) == Crc.calculate(data)


def test_sample_columns_are_the_database_columns_in_order() -> None:
    assert SampleColumns.COLUMNS == (
        "ts", "heart_rate", "speed_mps", "cadence", "power_w", "altitude_m", "lat", "lon", "distance_m",
        "temperature_c", "vertical_oscillation_mm", "stance_time_ms", "step_length_mm", "vertical_ratio_pct",
        "stance_time_balance_pct",
    )  # fmt: skip
    with pytest.raises(ValueError, match="differ in length"):
        SampleColumns([T0], *([] for _ in range(14)))


@DECODERS
def test_a_minimal_activity_without_session(decoder: str) -> None:
    data = activity([FIT_2020, FIT_2020 + 1, FIT_2020 + 2], heart_rate=[100, 110, 0], distance=[0, 250, 500])
    a = decode_fit(data, filename="tiny.fit", decoder=decoder)  # type: ignore[arg-type]
    assert a.start_time == T0 and a.elapsed_s == 2.0 and a.sport == "generic"
    assert a.samples.heart_rate == [100, 110, None]  # 0 bpm = no sensor
    assert a.samples.distance_m == [0.0, 2.5, 5.0]
    assert (a.distance_m, a.avg_hr, a.max_hr) == (5.0, 105, 110)
    assert a.device_manufacturer == "garmin" and a.device_serial_number == 12345
    assert any("no session summary" in w for w in a.warnings)


@DECODERS
def test_small_backward_steps_and_duplicates_are_kept(decoder: str) -> None:
    times = [FIT_2020, FIT_2020 + 5, FIT_2020 + 5, FIT_2020 + 5 - BACKWARDS_TOLERANCE_S, FIT_2020 + 6]
    a = decode_fit(activity(times), filename="jitter.fit", decoder=decoder)  # type: ignore[arg-type]
    assert len(a.samples) == 5  # every record, in file order
    assert a.samples.ts[3] < a.samples.ts[2]


@DECODERS
def test_a_sample_jumping_back_is_dropped_and_counted(decoder: str) -> None:
    times = [FIT_2020, FIT_2020 + 10, FIT_2020 + 11, FIT_2020 + 10 - BACKWARDS_TOLERANCE_S - 1, FIT_2020 + 12]
    a = decode_fit(activity(times, heart_rate=[90, 91, 92, 93, 94]), filename="glitch.fit", decoder=decoder)  # type: ignore[arg-type]
    assert a.samples.heart_rate == [90, 91, 92, 94]
    assert any("1 sample(s) with an impossible time" in w for w in a.warnings)


@DECODERS
def test_a_sample_two_years_off_is_dropped_and_counted(decoder: str) -> None:
    two_years = 2 * 365 * 86400
    times = [FIT_2020 + two_years, FIT_2020 + two_years + 1, FIT_2020, FIT_2020 + two_years + 2]
    a = decode_fit(activity(times), filename="ride.fit", decoder=decoder)  # type: ignore[arg-type]
    assert len(a.samples) == 3 and (a.start_time - T0).total_seconds() == two_years
    assert any("1 sample(s)" in w for w in a.warnings)


@DECODERS
def test_a_file_that_is_mostly_out_of_order_is_refused(decoder: str) -> None:
    times = [FIT_2020 + 100, FIT_2020 + 101, FIT_2020 + 10, FIT_2020 + 11, FIT_2020 + 12]
    with pytest.raises(TimestampsOutOfOrder) as err:
        decode_fit(activity(times), filename="merged.fit", decoder=decoder)  # type: ignore[arg-type]
    assert "merged.fit" in err.value.message and err.value.details["sample_index"] == 2
    assert err.value.details["back_s"] == 91


@DECODERS
def test_a_record_without_time_takes_the_latest_time_before_it(decoder: str) -> None:
    data = activity([None, FIT_2020, None, FIT_2020 + 3])
    a = decode_fit(data, filename="gaps.fit", decoder=decoder)  # type: ignore[arg-type]
    assert [(t - T0).total_seconds() for t in a.samples.ts] == [0, 0, 0, 3]


@DECODERS
def test_no_time_at_all_is_refused(decoder: str) -> None:
    with pytest.raises(MissingTimestamps, match="none of its samples carries a time"):
        decode_fit(activity([None, None]), filename="timeless.fit", decoder=decoder)  # type: ignore[arg-type]


@DECODERS
def test_device_time_without_an_anchor_is_refused_and_with_one_is_estimated(decoder: str) -> None:
    device_times = [1000, 1001]
    with pytest.raises(MissingTimestamps, match="clock was not set"):
        decode_fit(activity(device_times), filename="fr70.fit", decoder=decoder)  # type: ignore[arg-type]
    writer = FitWriter().file_id().message(34, [(253, UINT32, 1001), (5, UINT32, FIT_2020 + 1)])
    for ts in device_times:
        writer.record(ts)
    a = decode_fit(writer.bytes(), filename="fr70.fit", decoder=decoder)  # type: ignore[arg-type]
    assert a.start_time == T0 and a.tz_offset_s is None
    assert any("clock was not set" in w for w in a.warnings)


@DECODERS
def test_compressed_timestamps_roll_over(decoder: str) -> None:
    base = FIT_2020 + 30  # low 5 bits: 30
    writer = FitWriter().file_id().record(base)
    writer.message(20, [(3, 0x02, 120)])  # redefine local 0 as a record with heart rate only
    writer.raw(bytes([0x80 | 31, 121, 0x80 | 1, 122]))  # offsets 31 (= base+1) then 1 (rolled over: base+3)
    a = decode_fit(writer.bytes(), filename="compressed.fit", decoder=decoder)  # type: ignore[arg-type]
    assert [(t - T0).total_seconds() for t in a.samples.ts] == [30, 30, 31, 33]
    assert a.samples.heart_rate == [None, 120, 121, 122]


@DECODERS
def test_compressed_speed_and_distance_accumulate(decoder: str) -> None:
    def packed(speed_cms: int, distance_16th: int) -> bytes:
        return (speed_cms | (distance_16th << 12)).to_bytes(3, "little")

    writer = FitWriter().file_id().message(20, [(253, UINT32, FIT_2020), (8, BYTE, packed(250, 4000))])
    writer.data([FIT_2020 + 1, packed(260, 4095)]).data([FIT_2020 + 2, packed(270, 20)])  # distance wraps
    a = decode_fit(writer.bytes(), filename="fr60.fit", decoder=decoder)  # type: ignore[arg-type]
    assert a.samples.speed_mps == [2.5, 2.6, 2.7]
    assert a.samples.distance_m == [4000 / 16, 4095 / 16, (4096 + 20) / 16]


@DECODERS
@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: b"", "empty"),
        (lambda d: d[:10], "ends inside a FIT header"),
        (lambda d: b"NOTAFIT" * 3, "not a FIT header"),
        (lambda d: d[:20] + bytes([d[20] ^ 0x01]) + d[21:], "checksum"),
        (lambda d: d[:12] + b"\x00\x01" + d[14:], "header checksum"),
        (lambda d: d[:30], "truncated"),  # cut before its first record: nothing to keep
    ],
)
def test_damaged_bytes_are_corrupt(decoder: str, mutate: Callable[[bytes], bytes], reason: str) -> None:
    data = mutate(activity([FIT_2020, FIT_2020 + 1], heart_rate=[90, 91]))
    with pytest.raises(CorruptFitFile, match=reason) as err:
        decode_fit(data, filename="broken.fit", decoder=decoder)  # type: ignore[arg-type]
    assert "broken.fit" in err.value.message


@DECODERS
@pytest.mark.parametrize(
    ("mutate", "kept"),
    [
        (lambda d: d[:-1], [90, 91]),  # only the checksum is cut
        (lambda d: d[:-9], [90]),  # the last record is cut: the whole ones are kept
        (lambda d: d + d[:30], [90, 91]),  # a second chained part cut short
    ],
)
def test_a_truncated_file_keeps_its_whole_records_with_a_warning(
    decoder: str, mutate: Callable[[bytes], bytes], kept: list[int]
) -> None:
    data = mutate(activity([FIT_2020, FIT_2020 + 1], heart_rate=[90, 91]))
    a = decode_fit(data, filename="cut.fit", decoder=decoder)  # type: ignore[arg-type]
    assert a.samples.heart_rate == kept
    assert any("incomplete" in w and "truncated" in w for w in a.warnings)


@DECODERS
def test_undefined_local_message_is_corrupt(decoder: str) -> None:
    data = FitWriter().file_id().raw(b"\x05\x00").bytes()  # data message of a never-defined local type 5
    with pytest.raises(CorruptFitFile, match="never defined"):
        decode_fit(data, filename="garbled.fit", decoder=decoder)  # type: ignore[arg-type]


@DECODERS
def test_non_activity_and_empty_activity(decoder: str) -> None:
    with pytest.raises(NotAnActivity) as err:
        decode_fit(FitWriter().file_id(file_type=5).bytes(), filename="w.fit", decoder=decoder)  # type: ignore[arg-type]
    assert err.value.file_type == "workout"
    no_file_id = FitWriter().message(20, [(253, UINT32, FIT_2020)]).bytes()
    with pytest.raises(NotAnActivity, match="'unknown'"):
        decode_fit(no_file_id, filename="n.fit", decoder=decoder)  # type: ignore[arg-type]
    with pytest.raises(NoRecords, match="no recorded samples"):
        decode_fit(FitWriter().file_id().bytes(), filename="e.fit", decoder=decoder)  # type: ignore[arg-type]


@DECODERS
def test_a_session_without_records_is_a_summary_without_samples(decoder: str) -> None:
    session = [(253, UINT32, FIT_2020 + 1800), (2, UINT32, FIT_2020), (5, ENUM, 1), (7, UINT32, 1_800_000)]
    data = FitWriter().file_id().message(18, [*session, (9, UINT32, 500_000)]).bytes()
    a = decode_fit(data, filename="summary.fit", decoder=decoder)  # type: ignore[arg-type]
    assert (a.start_time, a.sport, a.elapsed_s, a.distance_m, len(a.samples)) == (
        T0,
        "running",
        1800.0,
        5000.0,
        0,
    )
    assert any("only the activity's summary" in w for w in a.warnings)


def test_misaligned_field_sizes_are_read_as_bytes() -> None:
    """A field whose size is no multiple of its type (COROS writes them) is skipped, not fatal."""
    writer = FitWriter().file_id()
    # a record definition: timestamp, power as 3 bytes of uint16, heart rate
    writer.raw(bytes([0x40, 0, 0, 20, 0, 3, 253, 4, 0x86, 7, 3, UINT16, 3, 1, 0x02]))
    writer.raw(b"\x00" + FIT_2020.to_bytes(4, "little") + b"\x01\x02\x03" + bytes([150]))
    decoders: tuple[Decoder, ...] = ("fast", "fitparse")
    for decoder in decoders:  # fitparse refuses such files; decode_fit falls back to ours
        a = decode_fit(writer.bytes(), filename="coros.fit", decoder=decoder)
        assert a.samples.power_w == [None] and a.samples.heart_rate == [150]


@DECODERS
def test_two_sessions_of_one_sport_are_one_run_in_two_legs(decoder: str) -> None:
    writer = FitWriter().file_id()
    for start in (FIT_2020, FIT_2020 + 100):  # session: end, start, sport=running, elapsed, timer, distance
        writer.message(
            18,
            [
                (253, UINT32, start + 10),
                (2, UINT32, start),
                (5, ENUM, 1),
                (7, UINT32, 10_000),
                (8, UINT32, 10_000),
                (9, UINT32, 5_000),
                (18, UINT8, 80),
            ],
        )
    for t in (0, 5, 10, 100, 105, 110):
        writer.record(FIT_2020 + t, cadence=85)
    a = decode_fit(writer.bytes(), filename="paused.fit", decoder=decoder)  # type: ignore[arg-type]
    assert a.sport == "running" and [leg.sport for leg in a.legs] == ["running", "running"]
    assert [len(leg.samples) for leg in a.legs] == [3, 3] and not a.samples
    assert (a.elapsed_s, a.timer_s, a.distance_m) == (110.0, 20.0, 100.0)
    assert a.avg_cadence == 160.0 and a.legs[0].samples.cadence == [170.0] * 3  # strides × 2
