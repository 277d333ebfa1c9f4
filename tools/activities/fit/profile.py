"""The part of the FIT profile we decode, read from fitparse's MIT-licensed profile tables.

Both decoders hand the builder the same thing: for the messages below, one dict per message mapping a field's
definition number to its value, with fitparse's value rules — invalid values are absent; numbers are scaled
(`raw / scale − offset`); enum fields are their profile name (or the raw number when the profile has no
name for it); `date_time` fields stay raw FIT seconds (the builder anchors them); a field missing from the
message but produced by a component of another field (speed → enhanced_speed, compressed_speed_distance →
speed + accumulated distance) is filled from that component.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fitparse.profile import FIELD_TYPES, MESSAGE_TYPES

FILE_ID = 0
SPORT = 12
SESSION = 18
LAP = 19
RECORD = 20
ACTIVITY = 34
TIMESTAMP = 253

# FIT date_time values below this are seconds since the device powered on, not since the FIT epoch.
MIN_ABSOLUTE_TIME = 0x10000000
FIT_EPOCH_UNIX = 631065600  # 1989-12-31T00:00:00Z

# Field definition numbers each decoder must deliver, per message.
WANTED: dict[int, frozenset[int]] = {
    FILE_ID: frozenset({0, 1, 2, 3, 4}),  # type, manufacturer, product, serial_number, time_created
    SPORT: frozenset({0, 1}),  # sport, sub_sport
    ACTIVITY: frozenset({TIMESTAMP, 1, 2, 5}),  # num_sessions, type, local_timestamp
    SESSION: frozenset().union(
        (TIMESTAMP, 2, 5, 6),  # start_time, sport, sub_sport
        (7, 8, 9, 59),  # total elapsed and timer time, distance, moving time
        (11, 14, 15, 124, 125),  # calories, avg/max speed (and enhanced)
        (16, 17, 18, 19, 92, 93),  # avg/max heart rate, avg/max cadence (and their fractions)
        (20, 21, 22, 23, 25, 26),  # avg/max power, ascent, descent, first_lap_index, num_laps
    ),
    LAP: frozenset().union(
        (TIMESTAMP, 2, 7, 8, 9, 11),  # start, elapsed, timer, distance, calories
        (13, 14, 110, 111, 15, 16, 17, 80, 19),  # speeds, heart rate, cadence (+ fraction), power
        (21, 22, 23, 24, 25),  # ascent, descent, intensity, lap_trigger, sport
    ),
    RECORD: frozenset().union(
        (
            TIMESTAMP,
            0,
            1,
            2,
            78,
            3,
            4,
            53,
        ),  # position, altitude (+ enhanced), heart rate, cadence (+ fraction)
        (5, 6, 73, 8, 7, 13),  # distance, speed (+ enhanced, compressed), power, temperature
        (39, 41, 85, 83, 84),  # running dynamics
    ),
}

_TIME_TYPES = frozenset({"date_time", "local_date_time"})


@dataclass(frozen=True, slots=True)
class ComponentSpec:
    """A value packed inside another field (FIT "components")."""

    target: int  # def_num of the field it produces
    bits: int
    bit_offset: int
    scale: float | None
    offset: float | None
    accumulate: bool


@dataclass(frozen=True, slots=True)
class ValueSpec:
    """How a raw number becomes a value: enum names, or scale and offset."""

    names: dict[int, str] | None
    scale: float | None
    offset: float | None
    is_time: bool


@dataclass(frozen=True, slots=True)
class SubfieldSpec:
    value: ValueSpec
    refs: tuple[tuple[int, int], ...]  # (def_num, raw value) pairs, any of which selects this subfield


@dataclass(frozen=True, slots=True)
class FieldSpec:
    def_num: int
    value: ValueSpec
    components: tuple[ComponentSpec, ...]  # only those producing a wanted field
    subfields: tuple[SubfieldSpec, ...]


def _value_spec(field: Any) -> ValueSpec:
    ftype = field.type
    names = dict(ftype.values) if getattr(ftype, "values", None) else None
    return ValueSpec(names=names, scale=field.scale, offset=field.offset, is_time=ftype.name in _TIME_TYPES)


def _field_specs(mesg_num: int) -> dict[int, FieldSpec]:
    mesg = MESSAGE_TYPES[mesg_num]
    wanted = WANTED[mesg_num]
    specs: dict[int, FieldSpec] = {}
    for def_num, field in mesg.fields.items():
        components = tuple(
            ComponentSpec(c.def_num, c.bits, c.bit_offset, c.scale, c.offset, bool(c.accumulate))
            for c in field.components or ()
            if c.def_num in wanted
        )
        if def_num not in wanted and not components:
            continue
        subfields = tuple(
            SubfieldSpec(_value_spec(sub), tuple((ref.def_num, ref.raw_value) for ref in sub.ref_fields))
            for sub in field.subfields or ()
        )
        specs[def_num] = FieldSpec(def_num, _value_spec(field), components, subfields)
    return specs


# message number → the fields to decode (the wanted ones and the ones whose components produce them)
FIELDS: dict[int, dict[int, FieldSpec]] = {num: _field_specs(num) for num in WANTED}


def enum_name(type_name: str, raw: int) -> str:
    """The profile's name for an enum value (e.g. `file` 4 → 'activity'), or the number as text."""
    values = FIELD_TYPES[type_name].values or {}
    return str(values.get(raw, raw))
