"""The reference decoder: fitparse 1.2.0 (the product card's choice), adapted to `FitContent`.

fitparse reads every message of the file into objects, which makes it simple to trust and slow (~3 500
records/s). Its last release cannot read two kinds of files that devices do write — field sizes that are not
a multiple of their base type (a COROS file) and a stream that breaks part-way (a Strava-app file); fixes
exist upstream but were never released. When fitparse fails for any reason, `decode_fit` hands the bytes to
our own decoder, which either reads the file or raises the same error the fast path would.
"""

from __future__ import annotations

import io
import warnings

from fitparse import FitFile
from fitparse.records import DataMessage, FieldDefinition

from tools.activities.fit import profile
from tools.activities.fit.content import FitContent, Message


class FitparseCannotRead(Exception):
    """fitparse raised; the message says what it said."""


def scan(data: bytes) -> FitContent:
    """Decode with fitparse (CRC checked). Raises `FitparseCannotRead` for anything fitparse refuses."""
    content = FitContent()
    last_ts: int | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fitparse's own deprecation noise; our tests run with -W error
            fit = FitFile(io.BytesIO(data), check_crc=True)
            for message in fit.get_messages():
                last_ts = _collect(message, content, last_ts)
    except Exception as exc:  # fitparse raises FitParseError, but also plain TypeError/KeyError on odd files
        raise FitparseCannotRead(f"{type(exc).__name__}: {exc}") from exc
    return content


def _collect(message: DataMessage, content: FitContent, last_ts: int | None) -> int | None:
    """Add one fitparse message to `content` if we use it; return the updated "latest timestamp"."""
    mesg_num = message.def_mesg.mesg_num
    target = content.target(mesg_num)
    wanted = profile.FIELDS.get(mesg_num, {})
    values: Message = {}
    from_components: Message = {}
    for field in message.fields:
        field_def = field.field_def
        if isinstance(field_def, FieldDefinition):  # a field stored in the message (not a developer field)
            def_num = field_def.def_num
            if def_num == profile.TIMESTAMP and isinstance(field.raw_value, int):
                last_ts = field.raw_value
            if target is None or def_num not in wanted:
                continue
            spec = wanted[def_num]
            value = field.raw_value if spec.value.is_time else field.value
            if value is not None and not isinstance(value, tuple | bytes):
                values[def_num] = value
        elif field_def is None and field.field is not None:  # from a component, or the compressed header
            def_num = field.field.def_num
            if def_num == profile.TIMESTAMP:
                last_ts = field.raw_value
                value = field.raw_value
            else:
                value = field.value
            if target is not None and value is not None and def_num in wanted:
                from_components.setdefault(def_num, value)
    if target is None:
        return last_ts
    for def_num, value in from_components.items():
        values.setdefault(def_num, value)
    if mesg_num == profile.RECORD and profile.TIMESTAMP not in values and last_ts is not None:
        values[profile.TIMESTAMP] = last_ts
    target.append(values)
    return last_ts
