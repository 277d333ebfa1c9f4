"""The athlete's availability: which weekdays they can train and for how long, and blocked days. Setting
either re-lays the active plan's weeks ahead around it (same volume, within the plan's rules). Typed tools
from `tools.plans.availability_store`."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Response

from api.deps import ToolDepsDep
from tools.plans.availability_store import (
    AvailabilityChange,
    AvailabilityOut,
    BlackoutInput,
    GetAvailabilityInput,
    RemoveBlackoutInput,
    SetWeekInput,
    add_blackout_day,
    get_availability,
    remove_blackout_day,
    set_weekly_availability,
)

TAGS = [
    {
        "name": "availability",
        "description": "When the athlete can train: weekdays, session length, blocked days",
    }
]
router = APIRouter(prefix="/availability", tags=["availability"])


@router.get(
    "", summary="Your availability", description="Monday to Sunday, and blocked days from a week ago on."
)
async def read_availability(deps: ToolDepsDep) -> AvailabilityOut:
    return await get_availability(deps, GetAvailabilityInput())


@router.put(
    "",
    summary="Set your weekly availability",
    description="The weekdays given are set (open or not, the longest session in minutes, null = no limit); "
    "the others stay. The active plan's weeks ahead are laid out again around it, with the same volume; a "
    "layout that would break the plan's rules is a 422 and nothing is changed.",
)
async def put_availability(deps: ToolDepsDep, body: SetWeekInput) -> AvailabilityChange:
    return await set_weekly_availability(deps, body)


@router.post(
    "/blackouts",
    status_code=201,
    summary="Block a day",
    description="No training that date. A session planned that day moves to an open day of its week, or its "
    "kilometres go to the week's other runs.",
)
async def post_blackout(deps: ToolDepsDep, body: BlackoutInput) -> AvailabilityChange:
    return await add_blackout_day(deps, body)


@router.delete("/blackouts/{day}", status_code=204, summary="Unblock a day")
async def delete_blackout(deps: ToolDepsDep, day: dt.date) -> Response:
    await remove_blackout_day(deps, RemoveBlackoutInput(day=day))
    return Response(status_code=204)
