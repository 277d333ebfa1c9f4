"""Gear (shoes first): add, update, retire, list with distance; default shoe per sport linked on import.

A shoe's distance is its starting distance plus the distance of every activity linked to it; it is
computed by a query, never stored, so deleting or re-importing an activity can never make it drift.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import Activity, Gear
from tools.deps import ToolDeps
from tools.gear.repository import GearRepository
from tools.registry import tool

DEFAULT_SHOE_RETIRE_KM = 700.0


class GearOut(BaseModel):
    id: int
    name: str
    kind: str
    brand: str | None
    model: str | None
    default_for_sport: str | None
    distance_km: float = Field(description="starting distance plus every linked activity")
    activities: int
    retire_at_km: float | None
    used_pct: float | None = Field(description="distance as a percentage of the retirement threshold")
    is_retired: bool
    retired_on: date | None


class GearList(BaseModel):
    gear: list[GearOut]
    past_threshold: list[str] = Field(description="names of active gear past its retirement distance")


def _out(gear: Gear, distance_m: float, activities: int) -> GearOut:
    km = (gear.start_distance_m + distance_m) / 1000
    retire_km = gear.retire_at_m / 1000 if gear.retire_at_m else None
    return GearOut(
        id=gear.id,
        name=gear.name,
        kind=gear.kind,
        brand=gear.brand,
        model=gear.model,
        default_for_sport=gear.default_for_sport,
        distance_km=round(km, 1),
        activities=activities,
        retire_at_km=retire_km,
        used_pct=round(100 * km / retire_km, 1) if retire_km else None,
        is_retired=gear.is_retired,
        retired_on=gear.retired_on,
    )


async def _gear_rows(gear: GearRepository, gear_id: int | None = None) -> list[GearOut]:
    return [_out(*row) for row in await gear.with_totals(gear_id)]


async def _make_default(gear: GearRepository, row: Gear, sport: str) -> None:
    await gear.clear_default(sport, keep=row.id)
    row.default_for_sport = sport


async def link_default_gear(session: AsyncSession, activity: Activity) -> int | None:
    """Link a newly imported activity to the user's default active gear for its sport (if any)."""
    gear = GearRepository(session, activity.user_id)
    gear_id = await gear.active_default(activity.sport)
    if gear_id is not None:
        await gear.link(activity, gear_id)
    return gear_id


async def gear_named(session: AsyncSession, user_id: int, name: str) -> int | None:
    """The id of the user's gear with this name (case and surrounding spaces ignored), if exactly one."""
    found = await GearRepository(session, user_id).ids_named(name)
    return found[0] if len(found) == 1 else None


async def link_gear(session: AsyncSession, activity: Activity, gear_id: int) -> None:
    """Make `gear_id` (the user's own) the activity's gear, replacing a default linked at import."""
    await GearRepository(session, activity.user_id).link(activity, gear_id, only=True)


# ---- tools ---------------------------------------------------------------------------------------------


class ListGearInput(BaseModel):
    include_retired: bool = False


@tool()
async def list_gear(deps: ToolDeps, args: ListGearInput) -> GearList:
    """The athlete's shoes and other gear with distance run in each, the retirement threshold and how much
    of it is used. `past_threshold` names active gear that is past its retirement distance."""
    rows = await _gear_rows(GearRepository(deps.session, deps.user_id))
    if not args.include_retired:
        rows = [g for g in rows if not g.is_retired]
    past = [g.name for g in rows if not g.is_retired and g.used_pct is not None and g.used_pct >= 100]
    return GearList(gear=rows, past_threshold=past)


class AddGearInput(BaseModel):
    name: str = Field(
        min_length=1, max_length=120, description="what the athlete calls it, e.g. 'Pegasus 41'"
    )
    kind: str = Field(default="shoes", pattern="^(shoes|bike|other)$")
    brand: str | None = Field(default=None, max_length=80)
    model: str | None = Field(default=None, max_length=80)
    start_distance_km: float = Field(default=0.0, ge=0, le=5000, description="distance already run before")
    retire_at_km: float | None = Field(default=None, gt=0, le=5000, description="default 700 km for shoes")
    default_for_sport: str | None = Field(default="running", description="link new activities of this sport")
    purchased_on: date | None = None


@tool(side_effect=True)
async def add_gear(deps: ToolDeps, args: AddGearInput) -> GearOut:
    """Add a new pair of shoes (or other gear). By default it becomes the default for running, so new runs
    are linked to it automatically; the previous default stays in the list."""
    retire = (
        args.retire_at_km
        if args.retire_at_km is not None
        else (DEFAULT_SHOE_RETIRE_KM if args.kind == "shoes" else None)
    )
    repository = GearRepository(deps.session, deps.user_id)
    gear = Gear(
        name=args.name.strip(),
        kind=args.kind,
        brand=args.brand,
        model=args.model,
        start_distance_m=args.start_distance_km * 1000,
        retire_at_m=retire * 1000 if retire else None,
        purchased_on=args.purchased_on,
    )
    repository.add(gear)
    await deps.session.flush()
    if args.default_for_sport:
        await _make_default(repository, gear, args.default_for_sport)
        await deps.session.flush()
    return (await _gear_rows(GearRepository(deps.session, deps.user_id), gear.id))[0]


class UpdateGearInput(BaseModel):
    gear_id: int
    name: str | None = Field(default=None, min_length=1, max_length=120)
    retire_at_km: float | None = Field(default=None, gt=0, le=5000)
    default_for_sport: str | None = None


@tool(side_effect=True)
async def update_gear(deps: ToolDeps, args: UpdateGearInput) -> GearOut:
    """Rename gear, change its retirement distance, or make it the default for a sport."""
    gear = await GearRepository(deps.session, deps.user_id).get(args.gear_id)
    if args.name is not None:
        gear.name = args.name.strip()
    if args.retire_at_km is not None:
        gear.retire_at_m = args.retire_at_km * 1000
    if args.default_for_sport is not None:
        if gear.is_retired:
            raise InvalidInput(f"{gear.name} is retired; un-retire it or pick active gear as the default.")
        await _make_default(GearRepository(deps.session, deps.user_id), gear, args.default_for_sport)
    await deps.session.flush()
    return (await _gear_rows(GearRepository(deps.session, deps.user_id), gear.id))[0]


class RetireGearInput(BaseModel):
    gear_id: int
    retired_on: date | None = Field(default=None, description="default: today")


@tool(side_effect=True)
async def retire_gear(deps: ToolDeps, args: RetireGearInput) -> GearOut:
    """Retire gear: it keeps its history but is no longer linked to new activities."""
    gear = await GearRepository(deps.session, deps.user_id).get(args.gear_id)
    gear.is_retired = True
    gear.retired_on = args.retired_on or deps.today
    gear.default_for_sport = None
    await deps.session.flush()
    return (await _gear_rows(GearRepository(deps.session, deps.user_id), gear.id))[0]


class GearIdInput(BaseModel):
    gear_id: int


async def get_gear(deps: ToolDeps, args: GearIdInput) -> GearOut:
    """One piece of the user's gear with its distance (NotFound for someone else's)."""
    gear = await GearRepository(deps.session, deps.user_id).get(args.gear_id)
    return (await _gear_rows(GearRepository(deps.session, deps.user_id), gear.id))[0]


class DeletedGear(BaseModel):
    deleted: bool
    id: int
    unlinked_activities: int = Field(description="activities that no longer count towards any gear")


@tool(side_effect=True)
async def delete_gear(deps: ToolDeps, args: GearIdInput) -> DeletedGear:
    """Delete gear entirely, with its links to activities (the activities stay). Retiring keeps the history
    instead; prefer it unless the gear was added by mistake. Needs the athlete's approval."""
    repository = GearRepository(deps.session, deps.user_id)
    gear = await repository.get(args.gear_id)
    links = await repository.activity_count(gear.id)
    await repository.delete(gear)
    await deps.session.flush()
    return DeletedGear(deleted=True, id=args.gear_id, unlinked_activities=int(links))
