"""What a decoded FIT activity is: typed, in SI units, ready for the database.

`ParsedActivity` and `ParsedLap` are small pydantic models (validated, frozen). The per-second samples are a
`SampleColumns`: one plain list per database column, all of equal length — a frozen dataclass, because tens
of thousands of values per column are not worth validating one by one and go to the database with COPY.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SkipValidation


@dataclass(frozen=True, slots=True)
class SampleColumns:
    """Per-record samples, column by column, in the order of the `activity_samples` table.

    Every list has one entry per FIT record message (duplicates and all); `None` where the file has no value.
    Running dynamics are only present on devices or pods that measure them.
    """

    ts: list[datetime]  # UTC, aware
    heart_rate: list[int | None]  # bpm
    speed_mps: list[float | None]  # enhanced_speed when present, else speed
    cadence: list[float | None]  # steps/min for running and walking ((cadence + fraction) × 2), else rpm
    power_w: list[int | None]
    altitude_m: list[float | None]  # enhanced_altitude when present, else altitude
    lat: list[float | None]  # degrees
    lon: list[float | None]  # degrees
    distance_m: list[float | None]  # cumulative
    temperature_c: list[int | None]
    vertical_oscillation_mm: list[float | None]
    stance_time_ms: list[float | None]
    step_length_mm: list[float | None]
    vertical_ratio_pct: list[float | None]
    stance_time_balance_pct: list[float | None]  # left foot share

    COLUMNS: ClassVar[tuple[str, ...]] = ()  # filled in below: the field names, in table order

    def __post_init__(self) -> None:
        lengths = {name: len(getattr(self, name)) for name in self.COLUMNS}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"sample columns differ in length: {lengths}")

    def __len__(self) -> int:
        return len(self.ts)

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """Row tuples in `COLUMNS` order (what COPY wants)."""
        return zip(*(getattr(self, name) for name in self.COLUMNS), strict=True)

    @classmethod
    def empty(cls) -> SampleColumns:
        return cls(*([] for _ in cls.COLUMNS))


SampleColumns.COLUMNS = tuple(f.name for f in fields(SampleColumns))


class ParsedLap(BaseModel):
    """One lap (FIT `lap` message). `index` is the lap's position in the activity (or leg) that holds it."""

    model_config = ConfigDict(frozen=True)

    index: int
    start_time: AwareDatetime
    elapsed_s: float | None
    timer_s: float | None
    distance_m: float | None
    avg_hr: int | None
    max_hr: int | None
    avg_speed_mps: float | None
    max_speed_mps: float | None
    avg_cadence: float | None  # same unit rule as the samples
    avg_power: int | None
    ascent_m: float | None
    descent_m: float | None
    calories: int | None
    intensity: str | None  # active, rest, warmup, cooldown, …
    lap_trigger: str | None  # manual, distance, time, session_end, …


class ParsedActivity(BaseModel):
    """One activity decoded from a FIT file.

    Totals come from the file's own `session` message; where the file lacks one (or a field in it) they are
    derived from the samples. A multisport file has one `legs` entry per session, each with its own laps and
    samples; the parent only summarises them (sport `multisport`, summed distances and times) and has no laps
    or samples of its own, so storing the parent and its legs stores every lap and sample exactly once.
    `warnings` lists what a user should know about the data (damage, estimated times).
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    sport: str
    sub_sport: str | None
    start_time: AwareDatetime  # UTC
    tz_offset_s: int | None  # local time − UTC, from the activity message
    elapsed_s: float
    timer_s: float | None
    moving_s: float | None
    distance_m: float | None
    ascent_m: float | None
    descent_m: float | None
    avg_hr: int | None
    max_hr: int | None
    avg_cadence: float | None  # steps/min for running and walking, else rpm
    max_cadence: float | None
    avg_power: int | None
    max_power: int | None
    avg_speed_mps: float | None
    max_speed_mps: float | None
    calories: int | None
    device_manufacturer: str | None
    device_product: str | None
    device_serial_number: int | None
    file_sha256: str
    laps: list[ParsedLap] = Field(default_factory=list)
    legs: list[ParsedActivity] = Field(default_factory=list)
    samples: Annotated[SampleColumns, SkipValidation]
    warnings: list[str] = Field(default_factory=list)

    @property
    def is_multisport(self) -> bool:
        return bool(self.legs)

    @property
    def sample_count(self) -> int:
        """Samples here and in the legs: the number of record messages decoded from the file."""
        return len(self.samples) + sum(leg.sample_count for leg in self.legs)
