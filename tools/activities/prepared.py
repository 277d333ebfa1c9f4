"""An activity file made ready to store: the part of an import that needs no database.

`unpack` unwraps a file's bytes and splits a chained FIT file into its activities (`fit.chain`), each a `Part`
with its SHA-256; `to_new_activity` gives a decoded activity in the shape `store_activity` writes, and
`held_of` what its samples give (each series as reading it back would give it, and the activity's figures),
so the load, the figures and the feed's facts need no read-back. The importer does this as it goes;
`decode_ahead` does all of it at once, decoding included, for a worker process (`tools.activities.ahead`)
while earlier files are stored, and carries refusals back to be raised where the import would raise them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from core.errors import InvalidInput
from tools.activities.fit.chain import activity_parts
from tools.activities.fit.decode import Decoder
from tools.activities.fit.model import ParsedActivity, ParsedLap
from tools.activities.formats import decode_activity, detect, unwrap
from tools.activities.store import NewActivity, stored_series
from tools.fitness.activity_figures import Figures, figures_of
from tools.samples.series import Series
from tools.training_load.activity import SERIES_COLUMNS


def _lap_fields(lap: ParsedLap) -> dict[str, Any]:
    return {
        "lap_index": lap.index,
        "start_time": lap.start_time,
        "elapsed_s": lap.elapsed_s,
        "timer_s": lap.timer_s,
        "distance_m": lap.distance_m,
        "avg_hr": lap.avg_hr,
        "max_hr": lap.max_hr,
        "avg_speed_mps": lap.avg_speed_mps,
        "max_speed_mps": lap.max_speed_mps,
        "avg_cadence": lap.avg_cadence,
        "avg_power": lap.avg_power,
        "ascent_m": lap.ascent_m,
        "descent_m": lap.descent_m,
        "calories": lap.calories,
        "intensity": lap.intensity,
        "trigger": lap.lap_trigger,
    }


def to_new_activity(
    parsed: ParsedActivity,
    *,
    source: str,
    external_id: str | None,
    name: str | None,
    notes: str | None = None,
) -> NewActivity:
    """The decoded file in the shape `store_activity` writes (legs keep the parent's file hash out)."""

    def convert(p: ParsedActivity, *, top: bool) -> NewActivity:
        fields: dict[str, Any] = {
            "source": source,
            "sport": p.sport,
            "sub_sport": p.sub_sport,
            "start_time": p.start_time,
            "tz_offset_s": p.tz_offset_s,
            "elapsed_s": p.elapsed_s,
            "moving_s": p.moving_s if p.moving_s is not None else p.timer_s,
            "distance_m": p.distance_m,
            "ascent_m": p.ascent_m,
            "descent_m": p.descent_m,
            "avg_hr": p.avg_hr,
            "max_hr": p.max_hr,
            "avg_cadence": p.avg_cadence,
            "max_cadence": p.max_cadence,
            "avg_power": p.avg_power,
            "max_power": p.max_power,
            "avg_speed_mps": p.avg_speed_mps,
            "max_speed_mps": p.max_speed_mps,
            "calories": p.calories,
            "device_manufacturer": p.device_manufacturer,
            "device_product": p.device_product,
            "device_serial": str(p.device_serial_number) if p.device_serial_number is not None else None,
        }
        if top:
            fields.update(
                file_sha256=p.file_sha256,
                external_id=external_id,
                name=name,
                import_warnings=list(p.warnings),
            )
            if notes:
                fields["notes"] = notes
        samples = {column: getattr(p.samples, column) for column in p.samples.COLUMNS}
        return NewActivity(
            fields=fields,
            laps=[_lap_fields(lap) for lap in p.laps],
            samples=samples,
            legs=[convert(leg, top=False) for leg in p.legs],
        )

    return convert(parsed, top=True)


@dataclass(frozen=True, slots=True)
class Held:
    """What the samples being stored give, worked out from memory: each series exactly as reading it back
    would give it (`stored_series`), and the activity's own figures."""

    series: Series | None
    legs: list[Series | None]
    figures: Figures


def held_of(new: NewActivity) -> Held:
    series = stored_series(new, SERIES_COLUMNS)
    legs = [stored_series(leg, SERIES_COLUMNS) for leg in new.legs]
    return Held(series=series, legs=legs, figures=figures_of(series, new.fields["sport"]))


@dataclass(frozen=True, slots=True)
class Refused:
    """An `InvalidInput` raised in a worker process, carried back as its class, arguments and attributes:
    its subclasses' constructors take other arguments than unpickling would give them."""

    kind: type[InvalidInput]
    args: tuple[Any, ...]
    state: dict[str, Any]

    @classmethod
    def of(cls, exc: InvalidInput) -> Refused:
        return cls(type(exc), exc.args, dict(exc.__dict__))

    def error(self) -> InvalidInput:
        """The refusal as raised (the same class, message and details)."""
        exc = self.kind.__new__(self.kind, *self.args)
        exc.__dict__.update(self.state)
        return exc


@dataclass(frozen=True, slots=True)
class Part:
    """One activity of a file (a chained FIT file holds several): its bytes (the name it is decoded under),
    their SHA-256 and, when it was decoded ahead, the decoded activity or the decoder's refusal."""

    data: bytes
    filename: str
    sha256: str
    parsed: ParsedActivity | None = None
    held: Held | None = None
    refused: Refused | None = None

    def decoded(self) -> ParsedActivity | None:
        """The activity decoded ahead (raising its refusal), or None when it was not decoded yet."""
        if self.refused is not None:
            raise self.refused.error()
        return self.parsed


@dataclass(frozen=True, slots=True)
class Unpacked:
    """A file's bytes as `import_file` works on them: unwrapped and split into its activities, or the reason
    unwrapping refused them."""

    parts: list[Part]
    refused: Refused | None = None

    def activities(self) -> list[Part]:
        if self.refused is not None:
            raise self.refused.error()
        return self.parts


def part_name(filename: str, index: int, count: int) -> str:
    """The name activity `index` (from 1) of a file chaining `count` of them is decoded and reported under."""
    return filename if count == 1 else f"{filename} (activity {index} of {count})"


def unpack(data: bytes, *, filename: str, max_bytes: int) -> Unpacked:
    """Unwrap the bytes (`unwrap`) and split a chained FIT file into its activities (`fit.chain`). Raises
    `InvalidInput` for a damaged or oversized wrapper."""
    data = unwrap(data, filename=filename, max_bytes=max_bytes)
    chained = activity_parts(data) if detect(data) == "fit" else [data]
    return Unpacked(
        parts=[
            Part(
                data=part,
                filename=part_name(filename, i, len(chained)),
                sha256=hashlib.sha256(part).hexdigest(),
            )
            for i, part in enumerate(chained, 1)
        ]
    )


def decode_ahead(
    data: bytes, *, filename: str, max_bytes: int, decoder: Decoder = "fast", sport: str | None = None
) -> Unpacked:
    """`unpack`, each activity decoded (`decode_activity`) and what its samples give (`held_of`): all of the
    import that needs no database. Refusals are kept, to be raised where the import would have raised them."""
    try:
        unpacked = unpack(data, filename=filename, max_bytes=max_bytes)
    except InvalidInput as exc:
        return Unpacked(parts=[], refused=Refused.of(exc))
    parts = []
    for part in unpacked.parts:
        try:
            parsed = decode_activity(part.data, filename=part.filename, decoder=decoder, sport=sport)
        except InvalidInput as exc:
            parts.append(Part(part.data, part.filename, part.sha256, refused=Refused.of(exc)))
        else:
            try:
                held: Held | None = held_of(to_new_activity(parsed, source="", external_id=None, name=None))
            except Exception:  # worked out again where the import needs it, which fails there, in its place
                held = None
            parts.append(Part(part.data, part.filename, part.sha256, parsed=parsed, held=held))
    return Unpacked(parts=parts)
