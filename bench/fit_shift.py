"""Real FIT files moved in time, for benches that need a long history (imported by `history_import.py`;
run on its own it only checks that every shared file survives a shift).

`shift_fit(data, seconds)` walks the FIT structure (header, definition and data messages, compressed-
timestamp headers, developer fields, chained files) and adds `seconds` to every date-time field: the
`timestamp` (253) of every message, the `start_time` of laps, sessions and lengths, `time_created` of
the file id and the activity's `local_timestamp`. The shift must be a multiple of 32 s so compressed
timestamps (5-bit offsets from the last full one) stay valid. CRCs are written again; nothing else changes.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.harness import shared_fit_dir  # noqa: E402
from tools.activities.fit.crc import fit_crc  # noqa: E402

INVALID_U32 = 0xFFFFFFFF
#: (global message number, field number) of date-time fields besides every message's timestamp (253)
DATE_FIELDS = {(18, 2), (19, 2), (101, 2), (0, 4), (34, 5)}


def shift_fit(data: bytes, seconds: int) -> bytes:
    """`data` with every date-time field moved by `seconds` (a multiple of 32)."""
    if seconds % 32:
        raise ValueError("shift FIT files by a multiple of 32 seconds (compressed timestamps)")
    out = bytearray(data)
    start = 0
    while start + 12 <= len(out) and out[start + 8 : start + 12] == b".FIT":
        header_size = out[start]
        (size,) = struct.unpack_from("<I", out, start + 4)
        end = start + header_size + size
        _shift_messages(out, start + header_size, end, seconds)
        struct.pack_into("<H", out, end, fit_crc(bytes(out[start:end])))
        start = end + 2
    return bytes(out)


def _shift_messages(out: bytearray, pos: int, end: int, seconds: int) -> None:
    # local type → (byte order, [(offset in the message, size) of the date-time fields], message length)
    definitions: dict[int, tuple[str, list[tuple[int, int]], int]] = {}
    while pos < end:
        header = out[pos]
        pos += 1
        if header & 0x80:  # compressed timestamp: a data message of local type (bits 5-6)
            order, fields, length = definitions[(header >> 5) & 0x3]
        elif header & 0x40:  # definition
            developer = bool(header & 0x20)
            order = ">" if out[pos + 1] else "<"
            (global_num,) = struct.unpack_from(order + "H", out, pos + 2)
            count = out[pos + 4]
            pos += 5
            fields, offset = [], 0
            for _ in range(count):
                num, size = out[pos], out[pos + 1]
                if size == 4 and (num == 253 or (global_num, num) in DATE_FIELDS):
                    fields.append((offset, size))
                offset += size
                pos += 3
            if developer:
                for _ in range(out[pos]):
                    offset += out[pos + 2]
                    pos += 3
                pos += 1
            definitions[header & 0x0F] = (order, fields, offset)
            continue
        else:
            order, fields, length = definitions[header & 0x0F]
        for offset, _ in fields:
            (value,) = struct.unpack_from(order + "I", out, pos + offset)
            if value != INVALID_U32:
                struct.pack_into(order + "I", out, pos + offset, value + seconds)
        pos += length


if __name__ == "__main__":
    import argparse

    from bench.fit_decode import _files
    from tools.activities.fit import decode_fit

    parser = argparse.ArgumentParser(description="Checks every shared FIT file survives a day's shift.")
    parser.add_argument("--data", type=Path, default=None, help="FIT folder (default: shared data)")
    args = parser.parse_args()
    for name, data, _ in _files(args.data or shared_fit_dir()):
        before, after = decode_fit(data, filename=name), decode_fit(shift_fit(data, 86_400), filename=name)
        assert (after.start_time - before.start_time).total_seconds() == 86_400, name
        assert after.sample_count == before.sample_count, name
    print("every shared FIT file shifts by a day and keeps its samples")
