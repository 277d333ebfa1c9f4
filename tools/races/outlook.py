"""Races with the athlete's current predicted time next to the goal: the race calendar the web app shows.

The prediction is `race_prediction` from the athlete's best efforts of the last 120 days (Daniels'
equivalent time for each race's distance), computed once for all the races listed. Without recent runs
there is no prediction, and `prediction_note` says why instead of guessing.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.errors import InvalidInput
from tools.deps import ToolDeps
from tools.fitness.race_prediction import RacePredictionInput, RacePredictionOutput, race_prediction
from tools.races.races import ListRacesInput, RaceOut, list_races
from tools.races.repository import Races
from tools.units import clock

MIN_TARGET_M, MAX_TARGET_M, MAX_TARGETS = 800.0, 100_000.0, 8


class RaceOutlook(RaceOut):
    predicted_time_s: float | None = Field(description="Daniels' equivalent time from current fitness")
    predicted_time: str | None = Field(description="h:mm:ss")
    goal_gap_s: float | None = Field(description="predicted minus goal: negative = ahead of the goal")
    prediction_basis: str | None = Field(description="the performance the prediction comes from")


class RaceCalendar(BaseModel):
    races: list[RaceOutlook]
    next_a_race: RaceOutlook | None
    vdot: float | None = Field(description="current fitness (VDOT) the predictions use")
    prediction_note: str | None = Field(description="why there is no prediction, when there is none")


async def _predict(deps: ToolDeps, distances: list[float]) -> tuple[RacePredictionOutput | None, str | None]:
    targets = sorted({d for d in distances if MIN_TARGET_M <= d <= MAX_TARGET_M})[:MAX_TARGETS]
    if not targets:
        return None, None if not distances else "no prediction for races outside 800 m – 100 km"
    try:
        return await race_prediction(deps, RacePredictionInput(targets_m=targets)), None
    except InvalidInput as exc:
        return None, exc.message


def _outlook(race: RaceOut, prediction: RacePredictionOutput | None) -> RaceOutlook:
    predictions = prediction.predictions if prediction else []
    found = next((p for p in predictions if abs(p.distance_m - race.distance_m) < 0.5), None)
    predicted = found.daniels_s if found else None
    return RaceOutlook(
        **race.model_dump(),
        predicted_time_s=predicted,
        predicted_time=clock(predicted) if predicted is not None else None,
        goal_gap_s=round(predicted - race.goal_time_s, 1)
        if predicted is not None and race.goal_time_s is not None
        else None,
        prediction_basis=prediction.basis if found and prediction else None,
    )


async def race_calendar(deps: ToolDeps, include_past: bool = False) -> RaceCalendar:
    """The user's races (upcoming by default) with the current prediction against each goal."""
    listed = await list_races(deps, ListRacesInput(include_past=include_past))
    prediction, note = await _predict(deps, [r.distance_m for r in listed.races])
    races = [_outlook(r, prediction) for r in listed.races]
    next_a = next((r for r in races if listed.next_a_race and r.id == listed.next_a_race.id), None)
    return RaceCalendar(
        races=races,
        next_a_race=next_a,
        vdot=prediction.vdot if prediction else None,
        prediction_note=note,
    )


async def race_outlook(deps: ToolDeps, race_id: int) -> RaceOutlook:
    """One of the user's races with the current prediction (NotFound for someone else's)."""
    race = await Races(deps.session, deps.user_id).get(race_id)
    out = RaceOut(
        id=race.id,
        name=race.name,
        date=race.date,
        distance_m=race.distance_m,
        priority=race.priority,
        goal_time_s=race.goal_time_s,
        location=race.location,
        days_to_go=(race.date - deps.today).days,
    )
    prediction, _ = await _predict(deps, [race.distance_m])
    return _outlook(out, prediction)
