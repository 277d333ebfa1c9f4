"""Gear (shoes first): list with distance, add, update, retire, delete. Logic in `tools.gear`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from api.deps import RowId, ToolDepsDep
from api.errors import problem_responses
from api.etag import conditional
from tools.gear import gear as tools
from tools.gear.gear import (
    AddGearInput,
    DeletedGear,
    GearIdInput,
    GearList,
    GearOut,
    ListGearInput,
    RetireGearInput,
    UpdateGearInput,
)

TAGS = [{"name": "gear", "description": "Shoes and other gear, with distance and retirement"}]
router = APIRouter(prefix="/gear", tags=["gear"])


@router.get(
    "",
    summary="List gear",
    dependencies=[conditional],
    description="Your gear with distance, retirement threshold and how much of it is used; "
    "`past_threshold` names active gear past its retirement distance.",
)
async def list_gear(deps: ToolDepsDep, args: Annotated[ListGearInput, Query()]) -> GearList:
    return await tools.list_gear(deps, args)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add gear",
    description="Adds shoes (or a bike, or other gear). By default it becomes the default for running, so "
    "new runs are linked to it.",
)
async def add_gear(body: AddGearInput, deps: ToolDepsDep) -> GearOut:
    return await tools.add_gear(deps, body)


@router.get("/{gear_id}", summary="Get gear", responses=problem_responses(404))
async def get_gear(gear_id: RowId, deps: ToolDepsDep) -> GearOut:
    return await tools.get_gear(deps, GearIdInput(gear_id=gear_id))


class GearChanges(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    retire_at_km: float | None = Field(default=None, gt=0, le=5000)
    default_for_sport: str | None = Field(default=None, min_length=1, max_length=32)


@router.patch(
    "/{gear_id}",
    summary="Update gear",
    description="Rename it, change its retirement distance, or make it the default for a sport.",
    responses=problem_responses(404),
)
async def update_gear(gear_id: RowId, body: GearChanges, deps: ToolDepsDep) -> GearOut:
    return await tools.update_gear(deps, UpdateGearInput(gear_id=gear_id, **body.model_dump()))


class RetireBody(BaseModel):
    retired_on: dt.date | None = Field(default=None, description="default: today")


@router.post(
    "/{gear_id}/retire",
    summary="Retire gear",
    description="It keeps its history but is no longer linked to new activities.",
    responses=problem_responses(404),
)
async def retire_gear(gear_id: RowId, deps: ToolDepsDep, body: RetireBody | None = None) -> GearOut:
    retired_on = body.retired_on if body is not None else None
    return await tools.retire_gear(deps, RetireGearInput(gear_id=gear_id, retired_on=retired_on))


@router.delete(
    "/{gear_id}",
    summary="Delete gear",
    description="Deletes the gear and its links to activities (the activities stay); your click is the "
    "approval. Retire it instead to keep its history.",
    responses=problem_responses(404),
)
async def delete_gear(gear_id: RowId, deps: ToolDepsDep) -> DeletedGear:
    return await tools.delete_gear(deps, GearIdInput(gear_id=gear_id))
