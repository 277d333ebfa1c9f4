"""Gear and races through the registry, as the agent, API and CLI call them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from tests.factories import create_activity, create_user
from tools.deps import ToolDeps
from tools.gear.gear import link_default_gear
from tools.registry import call_tool, get_tool

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def _deps(db: AsyncSession) -> ToolDeps:
    return ToolDeps.for_user(db, await create_user(db), now=NOW)


async def test_new_shoes_become_default_and_collect_distance(db: AsyncSession) -> None:
    deps = await _deps(db)
    old = (await call_tool("add_gear", deps, {"name": "Old trainer", "start_distance_km": 650})).model_dump()
    new = (await call_tool("add_gear", deps, {"name": "New trainer"})).model_dump()
    assert new["retire_at_km"] == 700 and new["default_for_sport"] == "running"
    listed = (await call_tool("list_gear", deps, {})).model_dump()
    by_name = {g["name"]: g for g in listed["gear"]}
    assert by_name["Old trainer"]["default_for_sport"] is None  # only one default per sport
    run = await create_activity(db, deps.user, seconds=1000, speed=3.0)  # 3 km
    assert await link_default_gear(db, run) == new["id"]
    await link_default_gear(db, run)  # linking twice is harmless
    listed = (await call_tool("list_gear", deps, {})).model_dump()
    by_name = {g["name"]: g for g in listed["gear"]}
    assert by_name["New trainer"]["distance_km"] == 3.0 and by_name["New trainer"]["activities"] == 1
    assert by_name["Old trainer"]["distance_km"] == 650.0
    assert listed["past_threshold"] == []
    await call_tool("update_gear", deps, {"gear_id": old["id"], "retire_at_km": 600})
    assert (await call_tool("list_gear", deps, {})).model_dump()["past_threshold"] == ["Old trainer"]


async def test_retired_gear_is_hidden_and_not_linked(db: AsyncSession) -> None:
    deps = await _deps(db)
    shoe = (await call_tool("add_gear", deps, {"name": "Racer"})).model_dump()
    retired = (await call_tool("retire_gear", deps, {"gear_id": shoe["id"]})).model_dump()
    assert retired["is_retired"] and retired["retired_on"] == date(2026, 11, 23)
    assert (await call_tool("list_gear", deps, {})).model_dump()["gear"] == []
    assert len((await call_tool("list_gear", deps, {"include_retired": True})).model_dump()["gear"]) == 1
    run = await create_activity(db, deps.user, seconds=60)
    assert await link_default_gear(db, run) is None
    with pytest.raises(InvalidInput, match="retired"):
        await call_tool("update_gear", deps, {"gear_id": shoe["id"], "default_for_sport": "running"})


async def test_gear_and_races_of_another_user_are_not_found(db: AsyncSession) -> None:
    owner = await _deps(db)
    stranger = await _deps(db)
    shoe = (await call_tool("add_gear", owner, {"name": "Mine"})).model_dump()
    race = await call_tool("add_race", owner, {"name": "Mine", "date": "2027-04-25", "distance": "marathon"})
    with pytest.raises(NotFound):
        await call_tool("retire_gear", stranger, {"gear_id": shoe["id"]})
    with pytest.raises(NotFound):
        await call_tool("delete_race", stranger, {"race_id": race.model_dump()["id"]})
    assert (await call_tool("list_races", stranger, {})).model_dump()["races"] == []


async def test_race_calendar(db: AsyncSession) -> None:
    deps = await _deps(db)
    a = (
        await call_tool(
            "add_race",
            deps,
            {
                "name": "Spring Marathon",
                "date": "2027-04-25",
                "distance": "marathon",
                "priority": "A",
                "goal_time_s": 3 * 3600,
            },
        )
    ).model_dump()
    await call_tool("add_race", deps, {"name": "Tune-up half", "date": "2027-03-21", "distance_m": 21097.5})
    await call_tool("add_race", deps, {"name": "Last year", "date": "2026-05-01", "distance": "10k"})
    listed = (await call_tool("list_races", deps, {})).model_dump()
    assert [r["name"] for r in listed["races"]] == ["Tune-up half", "Spring Marathon"]
    assert listed["next_a_race"]["name"] == "Spring Marathon" and listed["next_a_race"]["days_to_go"] == 153
    assert a["distance_m"] == 42195.0
    moved = (await call_tool("update_race", deps, {"race_id": a["id"], "date": "2027-05-02"})).model_dump()
    assert moved["days_to_go"] == 160
    assert get_tool("delete_race").side_effect, "deleting needs the athlete's approval"
    await call_tool("delete_race", deps, {"race_id": a["id"]})
    assert len((await call_tool("list_races", deps, {"include_past": True})).model_dump()["races"]) == 2
    with pytest.raises(InvalidInput, match="distance"):
        await call_tool("add_race", deps, {"name": "No distance", "date": "2027-01-01"})
    with pytest.raises(InvalidInput, match="5k, 10k"):
        await call_tool("add_race", deps, {"name": "Odd", "date": "2027-01-01", "distance": "ultra"})
