"""`race_prediction`: VDOT, equivalent race times (Daniels and Riegel) and training paces, from a race the
athlete names or from their best recent efforts."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from core.errors import InvalidInput
from tools.activities.visibility import hidden_sources
from tools.deps import ToolDeps
from tools.fitness.efforts import DEFAULT_LOOKBACK_DAYS, EFFORT_NAMES, Effort, recent_fitness
from tools.fitness.race_times import RIEGEL_EXPONENT, STANDARD_DISTANCES_M, predict_races
from tools.fitness.vdot import TrainingPaces, training_paces
from tools.registry import tool
from tools.units import clock, pace

MIN_LOOKBACK_DAYS = 14
MAX_LOOKBACK_DAYS = 365


class RacePredictionInput(BaseModel):
    distance_m: float | None = Field(
        default=None, ge=800, le=50_000, description="a recent race or all-out effort: distance in metres"
    )
    time_s: float | None = Field(default=None, gt=0, le=24 * 3600, description="…and its time in seconds")
    targets_m: list[float] | None = Field(
        default=None,
        max_length=8,
        description="distances to predict in metres (default 5K, 10K, half marathon, marathon)",
    )
    days: int = Field(
        default=DEFAULT_LOOKBACK_DAYS,
        description="without distance and time: how many days of runs to search for best efforts",
    )
    riegel_exponent: float = Field(default=RIEGEL_EXPONENT, description="Riegel's k, 1.0–1.2 (usually 1.06)")

    @model_validator(mode="after")
    def _both_or_neither(self) -> Self:
        if (self.distance_m is None) != (self.time_s is None):
            raise ValueError("give both distance_m and time_s of one race, or neither to use best efforts")
        for target in self.targets_m or []:
            if not 800 <= target <= 100_000:
                raise ValueError(f"target distances must be 800–100 000 m, got {target:g}")
        return self


class Prediction(BaseModel):
    distance_m: float
    name: str
    daniels_s: float
    daniels: str = Field(description="h:mm:ss")
    daniels_pace: str | None
    riegel_s: float
    riegel: str


class PaceRange(BaseModel):
    slowest_s_per_km: float
    fastest_s_per_km: float
    text: str


class Paces(BaseModel):
    easy: PaceRange
    marathon_s_per_km: float
    threshold_s_per_km: float
    interval_s_per_km: float
    repetition_s_per_km: float
    text: dict[str, str] = Field(description="the same paces as m:ss/km")


class RacePredictionOutput(BaseModel):
    source: Literal["input", "best_effort"]
    basis: str = Field(description="the performance the prediction comes from")
    effort: Effort | None = None
    vdot: float
    predictions: list[Prediction]
    training_paces: Paces
    notes: list[str]


def distance_name(distance_m: float) -> str:
    for known, name in EFFORT_NAMES.items():
        if abs(known - distance_m) < 1.0:
            return name
    return f"{distance_m / 1000:g} km"


def paces_out(paces: TrainingPaces) -> Paces:
    text = {
        "easy": f"{pace(paces.easy_slow_s_per_km)}–{pace(paces.easy_fast_s_per_km)}".replace("/km–", "–"),
        "marathon": pace(paces.marathon_s_per_km) or "",
        "threshold": pace(paces.threshold_s_per_km) or "",
        "interval": pace(paces.interval_s_per_km) or "",
        "repetition": pace(paces.repetition_s_per_km) or "",
    }
    return Paces(
        easy=PaceRange(
            slowest_s_per_km=round(paces.easy_slow_s_per_km, 1),
            fastest_s_per_km=round(paces.easy_fast_s_per_km, 1),
            text=text["easy"],
        ),
        marathon_s_per_km=round(paces.marathon_s_per_km, 1),
        threshold_s_per_km=round(paces.threshold_s_per_km, 1),
        interval_s_per_km=round(paces.interval_s_per_km, 1),
        repetition_s_per_km=round(paces.repetition_s_per_km, 1),
        text=text,
    )


@tool()
async def race_prediction(deps: ToolDeps, args: RacePredictionInput) -> RacePredictionOutput:
    """Predict race times and training paces. Give distance_m and time_s of a recent race (or all-out
    effort) — e.g. 5000 m in 1197 s — or nothing, to use the athlete's best efforts of the last `days` days
    found in their runs. Returns the VDOT (Daniels–Gilbert), equivalent times for 5K, 10K, half and
    marathon (or `targets_m`) by Daniels and by Riegel, and the E/M/T/I/R training paces."""
    notes: list[str] = []
    days = min(max(args.days, MIN_LOOKBACK_DAYS), MAX_LOOKBACK_DAYS)
    exponent = min(max(args.riegel_exponent, 1.0), 1.2)
    if exponent != args.riegel_exponent:
        notes.append(f"riegel_exponent clamped to {exponent:g}")
    effort: Effort | None = None
    if args.distance_m is not None and args.time_s is not None:
        distance, seconds = args.distance_m, args.time_s
        source: Literal["input", "best_effort"] = "input"
        basis = f"{distance_name(distance)} in {clock(seconds)} (given)"
    else:
        effort, efforts = await recent_fitness(
            deps.session, deps.user_id, deps.tz, deps.today, days, hide_sources=hidden_sources(deps)
        )
        if effort is None:
            raise InvalidInput(
                f"No runs with distance data in the last {days} days to find best efforts in. Give the "
                "distance_m and time_s of a recent race, or import runs first."
            )
        distance, seconds, source = effort.distance_m, effort.time_s, "best_effort"
        basis = f"best {distance_name(distance)} of the last {days} days: {clock(seconds)} on {effort.day}"
        others = ", ".join(
            f"{distance_name(e.distance_m)} {clock(e.time_s)}" for e in efforts if e is not effort
        )
        notes.append(
            "best efforts inside training runs are rarely all-out, so these predictions are a floor"
            + (f"; other bests: {others}" if others else "")
        )
    targets = args.targets_m or list(STANDARD_DISTANCES_M)
    result = predict_races(distance, seconds, targets, exponent)
    predictions = [
        Prediction(
            distance_m=p.distance_m,
            name=distance_name(p.distance_m),
            daniels_s=round(p.daniels_s, 1),
            daniels=clock(p.daniels_s),
            daniels_pace=pace(p.daniels_s / (p.distance_m / 1000.0)),
            riegel_s=round(p.riegel_s, 1),
            riegel=clock(p.riegel_s),
        )
        for p in result.predictions
    ]
    if any(t >= 30_000 for t in targets) and distance < 15_000:
        notes.append("marathon predictions from short races assume marathon-specific training (long runs)")
    return RacePredictionOutput(
        source=source,
        basis=basis,
        effort=effort,
        vdot=round(result.vdot, 1),
        predictions=predictions,
        training_paces=paces_out(training_paces(result.vdot)),
        notes=notes,
    )
