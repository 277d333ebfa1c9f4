"""Our own decoder for the FIT binary format — the fast path.

Layout (FIT protocol 1.0/2.0): a file is one or more chained parts, each `header · messages · CRC-16`.
A definition message says, for a local message number 0–15, which global message follows and the number,
size and base type of each field (plus developer fields, which we skip by size). Data messages then carry
just the values; a compressed-timestamp header (bit 7) packs a 5-bit time offset and a local number 0–3.

Speed comes from compiling each definition once into a `struct.Struct` that unpacks only the fields we use
(everything else is skipped with pad bytes), and from touching only the six messages we use. Values follow
fitparse's rules exactly (see `profile`), so `decode_fit(..., decoder="fast")` and `"fitparse"` agree.

Damage handling: a bad header, a bad checksum on a complete part, or a stream that stops making sense is a
`CorruptFitFile`. A *truncated* file — it ends before the data and checksum its header announces, as when a
watch's battery dies or a transfer stops — is salvaged: every whole message before the end is kept and the
content says so (`truncated`); nothing can be checked against the missing checksum, so the activity carries
a warning. A truncated first part that holds no data at all is still refused (by the builder: no records).
One more documented exception concerns files written by the Strava app (manufacturer `strava`):
its Android app is known to produce files whose byte stream breaks part-way (seen in the wild as "a crashed
recording"; in the sample we have, the carriage-return bytes that preceded line-feed bytes are missing, as
if the file passed through a text-mode transfer). For those we keep every message before the break, drop
the message that ran into it (its bytes are misaligned) and report the damage offset.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.activities.fit import profile
from tools.activities.fit.content import FitContent, Message
from tools.activities.fit.crc import fit_crc
from tools.activities.fit.errors import CorruptFitFile

# base type byte → (struct code, size, invalid value); NaN marks the float types. Like fitparse, a base type
# byte not listed here (including string 0x07 and byte 0x0D) is read as raw bytes.
_BASE: dict[int, tuple[str, int, float]] = {
    0x00: ("B", 1, 0xFF),
    0x01: ("b", 1, 0x7F),
    0x02: ("B", 1, 0xFF),
    0x83: ("h", 2, 0x7FFF),
    0x84: ("H", 2, 0xFFFF),
    0x85: ("i", 4, 0x7FFFFFFF),
    0x86: ("I", 4, 0xFFFFFFFF),
    0x88: ("f", 4, math.nan),
    0x89: ("d", 8, math.nan),
    0x0A: ("B", 1, 0),
    0x8B: ("H", 2, 0),
    0x8C: ("I", 4, 0),
    0x8E: ("q", 8, 0x7FFFFFFFFFFFFFFF),
    0x8F: ("Q", 8, 0xFFFFFFFFFFFFFFFF),
    0x90: ("Q", 8, 0),
}
_BYTES = -1.0  # "invalid" marker for slots read as raw bytes

# Producers whose broken files we salvage instead of refusing (see the module docstring).
_SALVAGE_MANUFACTURERS = frozenset({"strava"})


@dataclass(frozen=True, slots=True)
class _Slot:
    """One decoded field of a compiled definition."""

    index: int  # position in the unpacked tuple
    invalid: float  # the base type's invalid value, NaN for floats, _BYTES for raw bytes
    spec: profile.FieldSpec


@dataclass(frozen=True, slots=True)
class _Plan:
    """A definition message, compiled."""

    mesg_num: int
    size: int  # bytes of a data message after its 1-byte header
    unpack: Callable[[Any, int], tuple[Any, ...]]
    ts_index: int | None  # where field 253 lands in the tuple (any message updates the time state)
    ts_invalid: float
    wanted: bool  # a message we use (see profile.WANTED)
    slots: tuple[_Slot, ...]
    has_subfields: bool


class _Break(Exception):
    """The byte stream stops making sense at `offset`."""

    def __init__(self, offset: int, reason: str, *, at_end: bool = False) -> None:
        super().__init__(reason)
        self.offset = offset
        self.reason = reason
        self.at_end = at_end  # a message ran past the end of the data (rather than being garbled)


def scan(data: bytes, *, filename: str) -> FitContent:
    """Decode every part of a (possibly chained) FIT file into `FitContent`."""
    return _Scanner(data, filename).run()


class _Scanner:
    def __init__(self, data: bytes, filename: str) -> None:
        self.data = data
        self.filename = filename
        self.content = FitContent()
        self.last_ts: int | None = None  # the latest timestamp seen, kept across chained parts
        self._last_target: list[Message] | None = None  # where the latest data message went

    def corrupt(self, reason: str) -> CorruptFitFile:
        return CorruptFitFile(self.filename, reason)

    def run(self) -> FitContent:
        data = self.data
        if not data:
            raise self.corrupt("the file is empty")
        pos, part = 0, 1
        while pos < len(data):
            pos = self._part(pos, part)
            if self.content.damaged_at is not None or self.content.truncated is not None:
                break
            part += 1
        return self.content

    def _part(self, start: int, part: int) -> int:
        """Decode one chained part starting at `start`; return where the next one starts."""
        data, where = self.data, "" if part == 1 else f" (chained part {part}, at byte {start})"
        if len(data) - start < 12:
            raise self.corrupt(f"the file ends inside a FIT header{where}")
        header_size = data[start]
        if data[start + 8 : start + 12] != b".FIT" or header_size < 12 or header_size == 13:
            raise self.corrupt(f"the data is not a FIT header{where}")
        data_size = struct.unpack_from("<I", data, start + 4)[0]
        if header_size >= 14:
            if len(data) - start < header_size:
                raise self.corrupt(f"the file ends inside a FIT header{where}")
            header_crc = struct.unpack_from("<H", data, start + 12)[0]
            if header_crc and header_crc != fit_crc(data[start : start + 12]):
                raise self.corrupt(f"the header checksum does not match{where}")
        body = start + header_size
        end = body + data_size
        truncated = end + 2 > len(data)
        truncation = (
            f"the file is truncated: {end + 2 - len(data)} byte(s) of the announced data and checksum are "
            f"missing{where}"
        )
        try:
            self._messages(body, min(end, len(data)))
        except _Break as broken:
            if truncated and broken.at_end:  # the last message was cut by the end of the bytes
                return self._truncated(truncation)
            return self._salvage_or_raise(broken.offset, truncation if truncated else broken.reason + where)
        if truncated:
            return self._truncated(truncation)
        stored = struct.unpack_from("<H", data, end)[0]
        if fit_crc(memoryview(data)[start:end]) != stored:
            raise self.corrupt(f"the file checksum does not match, so its content is damaged{where}")
        return end + 2

    def _truncated(self, reason: str) -> int:
        """Keep what was decoded before the end of the bytes; stop reading."""
        self.content.truncated = reason
        return len(self.data)

    def _salvage_or_raise(self, offset: int, reason: str) -> int:
        file_ids = self.content.file_ids
        if file_ids and file_ids[0].get(1) in _SALVAGE_MANUFACTURERS:
            if self._last_target is not None:
                self._last_target.pop()  # the message that ran into the damage was read misaligned
            self.content.damaged_at = offset
            return len(self.data)
        raise self.corrupt(reason)

    def _messages(self, pos: int, end: int) -> None:
        data, content = self.data, self.content
        plans: dict[int, _Plan] = {}
        accumulators: dict[tuple[int, int], int] = {}
        ts_state = 0  # the compressed-timestamp accumulator (fitparse resets it per part)
        last_ts = self.last_ts
        self._last_target = None
        records = content.records
        while pos < end:
            header = data[pos]
            if header & 0x80:  # compressed timestamp header
                local = (header >> 5) & 0x3
                time_offset: int | None = header & 0x1F
            elif header & 0x40:  # definition message
                pos = self._definition(pos, end, plans, accumulators)
                continue
            else:
                local = header & 0x0F
                time_offset = None
            plan = plans.get(local)
            if plan is None:
                reason = f"byte {pos} holds a message of local type {local}, which was never defined"
                raise _Break(pos, reason)
            if pos + 1 + plan.size > end:
                raise _Break(
                    pos,
                    f"the message at byte {pos} runs past the end of the data the header announces (the "
                    "recording was probably not closed properly)",
                    at_end=True,
                )
            values = plan.unpack(data, pos + 1)
            pos += 1 + plan.size
            if plan.ts_index is not None:
                raw_ts = values[plan.ts_index]
                if raw_ts != plan.ts_invalid:
                    ts_state = last_ts = raw_ts
            if time_offset is not None:
                ts = time_offset + (ts_state & ~0x1F)
                if time_offset < (ts_state & 0x1F):
                    ts += 0x20
                ts_state = last_ts = ts
            if not plan.wanted:
                continue
            message = _decode(plan, values, accumulators)
            if time_offset is not None and profile.TIMESTAMP not in message:
                message[profile.TIMESTAMP] = ts_state
            target = records if plan.mesg_num == profile.RECORD else content.target(plan.mesg_num)
            assert target is not None
            if target is records and profile.TIMESTAMP not in message and last_ts is not None:
                message[profile.TIMESTAMP] = last_ts
            target.append(message)
            self._last_target = target
        self.last_ts = last_ts

    def _definition(
        self, pos: int, end: int, plans: dict[int, _Plan], accumulators: dict[tuple[int, int], int]
    ) -> int:
        data = self.data
        header = data[pos]
        if pos + 6 > end:
            raise _Break(pos, f"the definition at byte {pos} runs past the end of the data", at_end=True)
        endian = ">" if data[pos + 2] else "<"
        mesg_num, n_fields = struct.unpack_from(endian + "HB", data, pos + 3)
        fields_at = pos + 6
        after = fields_at + 3 * n_fields
        dev_size = 0
        if header & 0x20:  # developer fields follow: skipped by their size
            if after + 1 > end:
                raise _Break(pos, f"the definition at byte {pos} runs past the end of the data", at_end=True)
            n_dev = data[after]
            dev_at = after + 1
            after = dev_at + 3 * n_dev
            if after > end:
                raise _Break(pos, f"the definition at byte {pos} runs past the end of the data", at_end=True)
            dev_size = sum(data[dev_at + 3 * i + 1] for i in range(n_dev))
        if after > end:
            raise _Break(pos, f"the definition at byte {pos} runs past the end of the data", at_end=True)
        specs = profile.FIELDS.get(mesg_num, {})
        fmt = [endian]
        slots: list[_Slot] = []
        ts_index: int | None = None
        ts_invalid: float = -1.0
        index = 0
        for i in range(n_fields):
            def_num, size, base = data[fields_at + 3 * i : fields_at + 3 * i + 3]
            spec = specs.get(def_num)
            code = _BASE.get(base)
            if code is not None and size == code[1] and (spec is not None or def_num == profile.TIMESTAMP):
                fmt.append(code[0])
                if spec is not None:
                    slots.append(_Slot(index, code[2], spec))
                if def_num == profile.TIMESTAMP and code[0] not in "fd":  # an integer time
                    ts_index, ts_invalid = index, code[2]
                index += 1
            elif spec is not None and spec.components and (code is None or size % code[1] == 0):
                fmt.append(f"{size}s")  # bit-packed components (e.g. compressed_speed_distance)
                slots.append(_Slot(index, _BYTES, spec))
                index += 1
            elif size:
                fmt.append(f"{size}x")
            if spec is not None:
                for component in spec.components:
                    if component.accumulate:
                        accumulators[(mesg_num, component.target)] = 0
        if dev_size:
            fmt.append(f"{dev_size}x")
        compiled = struct.Struct("".join(fmt))
        plans[header & 0x0F] = _Plan(
            mesg_num=mesg_num,
            size=compiled.size,
            unpack=compiled.unpack_from,
            ts_index=ts_index,
            ts_invalid=ts_invalid,
            wanted=mesg_num in profile.FIELDS,
            slots=tuple(slots),
            has_subfields=any(slot.spec.subfields for slot in slots),
        )
        return after


def _decode(plan: _Plan, values: tuple[Any, ...], accumulators: dict[tuple[int, int], int]) -> Message:
    """One data message → {def_num: value}, with fitparse's value rules."""
    message: Message = {}
    from_components: list[tuple[int, Any]] = []
    raws = (
        {slot.spec.def_num: values[slot.index] for slot in plan.slots if slot.invalid != _BYTES}
        if plan.has_subfields
        else None
    )
    for slot in plan.slots:
        raw = values[slot.index]
        invalid = slot.invalid
        spec = slot.spec
        if invalid == _BYTES:
            if all(b == 0xFF for b in raw):
                continue
            number = int.from_bytes(raw, "little")
            _expand(plan.mesg_num, spec, number, len(raw) * 8, accumulators, from_components)
            continue
        if raw == invalid or raw != raw:  # raw != raw: NaN
            continue
        if spec.components:
            _expand(plan.mesg_num, spec, raw, 0, accumulators, from_components)
        value_spec = spec.value
        if raws is not None and spec.subfields:
            for sub in spec.subfields:
                if any(raws.get(ref_num) == ref_raw for ref_num, ref_raw in sub.refs):
                    value_spec = sub.value
                    break
        if value_spec.is_time:
            message[spec.def_num] = raw
            continue
        value: Any = raw
        if value_spec.names is not None and raw in value_spec.names:
            value = value_spec.names[raw]
        elif value_spec.scale:
            value = raw / value_spec.scale
            if value_spec.offset:
                value -= value_spec.offset
        elif value_spec.offset:
            value = raw - value_spec.offset
        message[spec.def_num] = value
    for def_num, value in from_components:
        message.setdefault(def_num, value)
    return message


def _expand(
    mesg_num: int,
    spec: profile.FieldSpec,
    raw: int,
    n_bits: int,
    accumulators: dict[tuple[int, int], int],
    out: list[tuple[int, Any]],
) -> None:
    """Unpack a field's components (n_bits: width of a byte-array source, 0 for a plain number)."""
    for component in spec.components:
        if n_bits and component.bit_offset >= n_bits:
            continue
        value: Any = (raw >> component.bit_offset) & ((1 << component.bits) - 1)
        if component.accumulate:
            key = (mesg_num, component.target)
            previous = accumulators.get(key, 0)
            mask = (1 << component.bits) - 1
            total = value + (previous & ~mask)
            if value < (previous & mask):
                total += 1 << component.bits
            accumulators[key] = value = total
        if component.scale:
            value = value / component.scale
        if component.offset:
            value = value - component.offset
        out.append((component.target, value))
