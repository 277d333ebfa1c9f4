"""The structured workout: steps with an end condition and a target, repeats that nest, a summary.

A workout is a list of blocks; a block is a `Step` or a `Repeat` of blocks. Warm-up, recovery and
cool-down are step types (as on Garmin watches and in the `workout_steps` table), so one list describes
"15 min warm-up, 5 × (1000 m at I pace, 2:30 jog), 10 min cool-down".

Each step ends by time, distance or the lap button and may carry one target: a pace range (s/km), a
heart-rate range (bpm), a heart-rate zone, a cadence range (spm) or a power range (W). Each step also
says how hard it is (`easy`, `moderate`, `hard`) for the easy/hard accounting of a plan; M pace is
moderate, T/I/R pace and hill reps are hard.

`summarize` estimates duration and distance. A pace target converts between them through the middle of
its range; without one, a step needs `estimated_pace_s_per_km`, and a lap-button step needs
`estimated_s` — the model refuses steps whose size cannot be estimated, so a summary never guesses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class WorkoutKind(StrEnum):
    EASY = "easy"
    LONG = "long"
    TEMPO = "tempo"
    INTERVALS = "intervals"
    HILLS = "hills"
    STRIDES = "strides"
    RACE_PACE = "race_pace"
    RECOVERY = "recovery"
    REST = "rest"
    STRENGTH = "strength"
    RACE = "race"


class StepType(StrEnum):
    WARMUP = "warmup"
    ACTIVE = "active"
    RECOVERY = "recovery"
    REST = "rest"
    COOLDOWN = "cooldown"


class Intensity(StrEnum):
    EASY = "easy"
    MODERATE = "moderate"
    HARD = "hard"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EndByTime(_Frozen):
    type: Literal["time"] = "time"
    seconds: float = Field(gt=0)

    @property
    def value(self) -> float:
        return self.seconds


class EndByDistance(_Frozen):
    type: Literal["distance"] = "distance"
    meters: float = Field(gt=0)

    @property
    def value(self) -> float:
        return self.meters


class EndByLapButton(_Frozen):
    type: Literal["lap_button"] = "lap_button"

    @property
    def value(self) -> None:
        return None


EndCondition = Annotated[EndByTime | EndByDistance | EndByLapButton, Field(discriminator="type")]


class _Range(_Frozen):
    """A target range; `bounds` is (low, high) in the target's unit (for pace: fastest, slowest s/km)."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        low, high = self.bounds
        if low > high:
            raise ValueError(f"range is reversed: {low} > {high}")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        raise NotImplementedError


class PaceTarget(_Range):
    """A pace range in s/km; `fastest` is the smaller number."""

    type: Literal["pace"] = "pace"
    fastest_s_per_km: float = Field(gt=0)
    slowest_s_per_km: float = Field(gt=0)

    @property
    def bounds(self) -> tuple[float, float]:
        return self.fastest_s_per_km, self.slowest_s_per_km

    @property
    def mid_s_per_km(self) -> float:
        return (self.fastest_s_per_km + self.slowest_s_per_km) / 2.0


class HeartRateTarget(_Range):
    type: Literal["heart_rate"] = "heart_rate"
    low_bpm: float = Field(gt=0)
    high_bpm: float = Field(gt=0)

    @property
    def bounds(self) -> tuple[float, float]:
        return self.low_bpm, self.high_bpm


class HeartRateZoneTarget(_Frozen):
    type: Literal["hr_zone"] = "hr_zone"
    zone: int = Field(ge=1, le=7)

    @property
    def bounds(self) -> tuple[float, float]:
        return float(self.zone), float(self.zone)


class CadenceTarget(_Range):
    type: Literal["cadence"] = "cadence"
    low_spm: float = Field(gt=0)
    high_spm: float = Field(gt=0)

    @property
    def bounds(self) -> tuple[float, float]:
        return self.low_spm, self.high_spm


class PowerTarget(_Range):
    type: Literal["power"] = "power"
    low_w: float = Field(gt=0)
    high_w: float = Field(gt=0)

    @property
    def bounds(self) -> tuple[float, float]:
        return self.low_w, self.high_w


Target = Annotated[
    PaceTarget | HeartRateTarget | HeartRateZoneTarget | CadenceTarget | PowerTarget,
    Field(discriminator="type"),
]


class Step(_Frozen):
    kind: Literal["step"] = "step"
    step_type: StepType
    end: EndCondition
    target: Target | None = None
    intensity: Intensity = Intensity.EASY
    estimated_pace_s_per_km: float | None = Field(default=None, gt=0)
    estimated_s: float | None = Field(default=None, gt=0)
    notes: str | None = None

    @model_validator(mode="after")
    def _estimable(self) -> Self:
        if isinstance(self.end, EndByLapButton) and self.estimated_s is None:
            raise ValueError("a lap-button step needs estimated_s (its expected duration) for planning")
        if self.planning_pace is None and not isinstance(self.end, EndByLapButton):
            raise ValueError("a step without a pace target needs estimated_pace_s_per_km for planning")
        return self

    @property
    def planning_pace(self) -> float | None:
        if isinstance(self.target, PaceTarget):
            return self.target.mid_s_per_km
        return self.estimated_pace_s_per_km

    def estimate(self) -> tuple[float, float]:
        """(seconds, metres) this step is expected to take."""
        pace = self.planning_pace
        if isinstance(self.end, EndByLapButton):
            seconds = self.estimated_s or 0.0  # the validator requires estimated_s here
            return seconds, seconds / pace * 1000.0 if pace else 0.0
        if pace is None:  # unreachable: the validator requires a planning pace for time and distance ends
            raise ValueError("step has no planning pace")
        if isinstance(self.end, EndByTime):
            return self.end.seconds, self.end.seconds / pace * 1000.0
        return self.end.meters / 1000.0 * pace, self.end.meters


class Repeat(_Frozen):
    kind: Literal["repeat"] = "repeat"
    count: int = Field(ge=1, le=100)
    blocks: list[Block] = Field(min_length=1)


Block = Annotated[Step | Repeat, Field(discriminator="kind")]
Repeat.model_rebuild()


class Workout(_Frozen):
    kind: WorkoutKind
    name: str
    description: str = ""
    blocks: list[Block] = Field(default_factory=list)

    @model_validator(mode="after")
    def _steps_unless_rest(self) -> Self:
        if self.kind is not WorkoutKind.REST and not self.blocks:
            raise ValueError(f"a {self.kind.value} workout needs at least one step")
        return self


@dataclass(frozen=True, slots=True)
class WorkoutSummary:
    duration_s: float
    distance_m: float
    easy_s: float
    moderate_s: float
    hard_s: float

    @property
    def intense_s(self) -> float:
        """Time above easy (moderate + hard): the "20" of 80/20."""
        return self.moderate_s + self.hard_s


def _accumulate(blocks: list[Block], times: int, totals: dict[str, float]) -> None:
    for block in blocks:
        if isinstance(block, Repeat):
            _accumulate(block.blocks, times * block.count, totals)
            continue
        seconds, meters = block.estimate()
        totals["duration_s"] += seconds * times
        totals["distance_m"] += meters * times
        totals[f"{block.intensity.value}_s"] += seconds * times


def summarize_blocks(blocks: list[Block]) -> WorkoutSummary:
    """Estimated duration, distance and time per intensity of `blocks`, repeats expanded."""
    totals = {"duration_s": 0.0, "distance_m": 0.0, "easy_s": 0.0, "moderate_s": 0.0, "hard_s": 0.0}
    _accumulate(blocks, 1, totals)
    return WorkoutSummary(**totals)


def summarize(workout: Workout) -> WorkoutSummary:
    """Estimated duration, distance and time per intensity of `workout`, repeats expanded."""
    return summarize_blocks(workout.blocks)


def expand(blocks: Sequence[Block]) -> list[Step]:
    """The workout's steps in the order they are run, repeats expanded."""
    steps: list[Step] = []
    for block in blocks:
        if isinstance(block, Repeat):
            for _ in range(block.count):
                steps.extend(expand(block.blocks))
        else:
            steps.append(block)
    return steps
