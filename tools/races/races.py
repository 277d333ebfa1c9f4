"""Races: the athlete's calendar with A/B/C priority and goal times."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, field_validator

from core.errors import InvalidInput
from core.models import Race
from tools.deps import ToolDeps
from tools.races.repository import Races
from tools.registry import tool

NAMED_DISTANCES_M = {
    "5k": 5000.0,
    "10k": 10000.0,
    "half": 21097.5,
    "half marathon": 21097.5,
    "marathon": 42195.0,
}


class RaceOut(BaseModel):
    id: int
    name: str
    date: dt.date
    distance_m: float
    priority: str
    goal_time_s: float | None
    location: str | None
    days_to_go: int


class RaceList(BaseModel):
    races: list[RaceOut]
    next_a_race: RaceOut | None


def _out(race: Race, today: dt.date) -> RaceOut:
    return RaceOut(
        id=race.id,
        name=race.name,
        date=race.date,
        distance_m=race.distance_m,
        priority=race.priority,
        goal_time_s=race.goal_time_s,
        location=race.location,
        days_to_go=(race.date - today).days,
    )


class ListRacesInput(BaseModel):
    include_past: bool = False


@tool()
async def list_races(deps: ToolDeps, args: ListRacesInput) -> RaceList:
    """The athlete's race calendar (upcoming by default) with priority A/B/C, goal time and days to go."""
    rows = await Races(deps.session, deps.user_id).in_date_order()
    races = [_out(r, deps.today) for r in rows if args.include_past or r.date >= deps.today]
    nxt = next((r for r in races if r.priority == "A" and r.days_to_go >= 0), None)
    return RaceList(races=races, next_a_race=nxt)


class AddRaceInput(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    date: dt.date
    distance_m: float | None = Field(default=None, gt=0, le=500_000)
    distance: str | None = Field(default=None, description="instead of distance_m: 5k, 10k, half, marathon")
    priority: str = Field(
        default="B", pattern="^[ABC]$", description="A = goal race, B = important, C = training"
    )
    goal_time_s: float | None = Field(default=None, gt=0, le=7 * 24 * 3600)
    location: str | None = Field(default=None, max_length=200)

    @field_validator("distance")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None and value.lower() not in NAMED_DISTANCES_M:
            raise ValueError(f"use one of {', '.join(NAMED_DISTANCES_M)} or give distance_m")
        return value


@tool(side_effect=True)
async def add_race(deps: ToolDeps, args: AddRaceInput) -> RaceOut:
    """Put a race on the athlete's calendar (name, date, distance, priority A/B/C, optional goal time)."""
    distance = args.distance_m or (NAMED_DISTANCES_M[args.distance.lower()] if args.distance else None)
    if distance is None:
        raise InvalidInput(
            "Give the race distance: distance_m in metres, or distance as 5k, 10k, half, marathon."
        )
    race = Races(deps.session, deps.user_id).add(
        Race(
            name=args.name.strip(),
            date=args.date,
            distance_m=distance,
            priority=args.priority,
            goal_time_s=args.goal_time_s,
            location=args.location,
        )
    )
    await deps.session.flush()
    return _out(race, deps.today)


class UpdateRaceInput(BaseModel):
    race_id: int
    name: str | None = Field(default=None, min_length=1, max_length=200)
    date: dt.date | None = None
    priority: str | None = Field(default=None, pattern="^[ABC]$")
    goal_time_s: float | None = Field(default=None, gt=0, le=7 * 24 * 3600)


@tool(side_effect=True)
async def update_race(deps: ToolDeps, args: UpdateRaceInput) -> RaceOut:
    """Change a race's name, date, priority or goal time."""
    race = await Races(deps.session, deps.user_id).get(args.race_id)
    for field in ("name", "date", "priority", "goal_time_s"):
        value = getattr(args, field)
        if value is not None:
            setattr(race, field, value)
    await deps.session.flush()
    return _out(race, deps.today)


class DeleteRaceInput(BaseModel):
    race_id: int


class Deleted(BaseModel):
    deleted: bool
    id: int


@tool(side_effect=True)
async def delete_race(deps: ToolDeps, args: DeleteRaceInput) -> Deleted:
    """Delete a race from the calendar (needs the athlete's approval)."""
    races = Races(deps.session, deps.user_id)
    await races.delete(await races.get(args.race_id))
    await deps.session.flush()
    return Deleted(deleted=True, id=args.race_id)
