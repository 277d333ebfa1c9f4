"""A tiny FIT writer for tests: the cases the real files do not cover (out-of-order times, missing clocks…).

Independent of the code under test: the checksum comes from fitparse's `Crc`, the layout from the FIT
protocol (header · definition/data messages · CRC).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

from fitparse.records import Crc

UINT8, UINT16, UINT32, SINT32, ENUM, UINT32Z, BYTE = 0x02, 0x84, 0x86, 0x85, 0x00, 0x8C, 0x0D
_FMT = {UINT8: "B", UINT16: "H", UINT32: "I", SINT32: "i", ENUM: "B", UINT32Z: "I"}
_SIZE = {UINT8: 1, UINT16: 2, UINT32: 4, SINT32: 4, ENUM: 1, UINT32Z: 4}

FIT_2020 = 946_771_200  # 2020-01-01T00:00:00Z in FIT seconds (since 1989-12-31T00:00:00Z)


@dataclass
class FitWriter:
    """Append messages; each `message()` writes a definition (local type 0) and one data message."""

    body: bytearray = field(default_factory=bytearray)
    _bases: list[int] = field(default_factory=list)

    def message(self, global_num: int, fields: Sequence[tuple[int, int, int | bytes]]) -> FitWriter:
        """fields: (field number, base type, value); bytes values are written as a byte array."""
        self.body += struct.pack("<BBBHB", 0x40, 0, 0, global_num, len(fields))
        for num, base, value in fields:
            size = len(value) if isinstance(value, bytes) else _SIZE[base]
            self.body += struct.pack("<3B", num, size, base)
        self._bases = [base for _, base, _ in fields]
        return self.data([value for _, _, value in fields])

    def data(self, values: Sequence[int | bytes]) -> FitWriter:
        """Another data message for the latest definition."""
        self.body += b"\x00"
        for base, value in zip(self._bases, values, strict=True):
            self.body += value if isinstance(value, bytes) else struct.pack("<" + _FMT[base], value)
        return self

    def raw(self, data: bytes) -> FitWriter:
        self.body += data
        return self

    def file_id(self, file_type: int = 4, manufacturer: int = 1) -> FitWriter:
        return self.message(0, [(0, ENUM, file_type), (1, UINT16, manufacturer), (3, UINT32Z, 12345)])

    def record(self, ts: int | None, **values: int) -> FitWriter:
        nums = {"heart_rate": (3, UINT8), "distance": (5, UINT32), "cadence": (4, UINT8)}
        fields: list[tuple[int, int, int | bytes]] = [] if ts is None else [(253, UINT32, ts)]
        fields += [(nums[k][0], nums[k][1], v) for k, v in values.items()]
        return self.message(20, fields)

    def bytes(self) -> bytes:
        header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(self.body), b".FIT")
        header += struct.pack("<H", Crc.calculate(header))
        data = header + bytes(self.body)
        return data + struct.pack("<H", Crc.calculate(data))


def activity(times: list[int | None], **per_record: list[int]) -> bytes:
    """An activity file with one record per time (plus any per-record values), no session."""
    writer = FitWriter().file_id()
    for i, ts in enumerate(times):
        writer.record(ts, **{k: v[i] for k, v in per_record.items()})
    return writer.bytes()
