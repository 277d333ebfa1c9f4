"""Races: the calendar with the current prediction against each goal; add, update, delete. Logic in
`tools.races`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from api.deps import RowId, ToolDepsDep
from api.errors import problem_responses
from api.etag import conditional
from tools.races import outlook
from tools.races import races as tools
from tools.races.outlook import RaceCalendar, RaceOutlook
from tools.races.races import AddRaceInput, Deleted, DeleteRaceInput, ListRacesInput, RaceOut, UpdateRaceInput

TAGS = [{"name": "races", "description": "Race calendar with A/B/C priority, goals and predictions"}]
router = APIRouter(prefix="/races", tags=["races"])


@router.get(
    "",
    summary="List races",
    dependencies=[conditional],
    description="Your races (upcoming unless `include_past`) with days to go, the goal, and the time your "
    "current fitness predicts (`goal_gap_s` < 0: ahead of the goal).",
)
async def list_races(deps: ToolDepsDep, args: Annotated[ListRacesInput, Query()]) -> RaceCalendar:
    return await outlook.race_calendar(deps, args.include_past)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a race",
    description="Name, date, distance (`distance_m`, or `distance`: 5k, 10k, half, marathon), priority A/B/C "
    "and an optional goal time.",
)
async def add_race(body: AddRaceInput, deps: ToolDepsDep) -> RaceOut:
    return await tools.add_race(deps, body)


@router.get(
    "/{race_id}",
    summary="Get a race",
    description="One race with the current prediction against its goal.",
    responses=problem_responses(404),
)
async def get_race(race_id: RowId, deps: ToolDepsDep) -> RaceOutlook:
    return await outlook.race_outlook(deps, race_id)


class RaceChanges(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    date: dt.date | None = None
    priority: str | None = Field(default=None, pattern="^[ABC]$")
    goal_time_s: float | None = Field(default=None, gt=0, le=7 * 24 * 3600)


@router.patch(
    "/{race_id}",
    summary="Update a race",
    description="Change its name, date, priority or goal time.",
    responses=problem_responses(404),
)
async def update_race(race_id: RowId, body: RaceChanges, deps: ToolDepsDep) -> RaceOut:
    return await tools.update_race(deps, UpdateRaceInput(race_id=race_id, **body.model_dump()))


@router.delete(
    "/{race_id}",
    summary="Delete a race",
    description="Removes it from your calendar (your click is the approval).",
    responses=problem_responses(404),
)
async def delete_race(race_id: RowId, deps: ToolDepsDep) -> Deleted:
    return await tools.delete_race(deps, DeleteRaceInput(race_id=race_id))
