"""Availability: a blocked day's load is redistributed within its week (same volume, every plan rule kept);
weekly availability re-lays the weeks ahead and new plans respect it. Real PostgreSQL, via the registry."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from tests.factories import create_user
from tests.tools.plans.marathon import NOW, PLAN, START, marathon_plan
from tools.deps import ToolDeps
from tools.plans.availability import Availability, availability_violations
from tools.plans.availability_store import load_availability
from tools.plans.reflow import fit_availability
from tools.plans.rules import check_plan
from tools.plans.store import as_run_plan, load_plan
from tools.registry import call_tool, get_tool


def _weeks(plan: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {w["index"]: w for w in plan["weeks"]}


def _live(week: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in week["sessions"] if s["kind"] != "rest"]


async def test_a_blocked_day_redistributes_its_load_within_the_rules(db: AsyncSession) -> None:
    user = await create_user(db)
    await call_tool("generate_plan", ToolDeps.for_user(db, user, now=START), PLAN)
    deps = ToolDeps.for_user(db, user, now=NOW)
    before = _weeks((await call_tool("get_plan", deps, {})).model_dump())
    blocked = date(2026, 12, 13)  # Sunday: the week's long run
    week = next(w for w in before.values() if w["start"] <= blocked <= w["end"])
    assert any(s["date"] == blocked and s["kind"] == "long" for s in week["sessions"])

    assert get_tool("add_blackout_day").side_effect and get_tool("set_weekly_availability").side_effect
    out = (
        await call_tool("add_blackout_day", deps, {"day": blocked.isoformat(), "reason": "wedding"})
    ).model_dump()
    assert out["plan"]["weeks"] == [week["index"]] and out["availability"]["blackouts"][0]["day"] == blocked

    after = (await call_tool("get_plan", deps, {})).model_dump()
    assert after["checks"] == []
    moved = _weeks(after)[week["index"]]
    assert not any(s["date"] == blocked for s in _live(moved))
    assert moved["volume_km"] == pytest.approx(week["volume_km"], abs=0.1)  # redistributed, not dropped
    assert sum(1 for s in moved["sessions"] if s["kind"] == "long") == 1
    row, _, sessions = await load_plan(db, user.id)
    availability = await load_availability(db, user.id)
    assert availability_violations(as_run_plan(row, sessions), availability) == []
    assert check_plan(as_run_plan(row, sessions)) == []

    with pytest.raises(InvalidInput, match="past"):
        await call_tool("add_blackout_day", deps, {"day": "2026-12-01"})
    await call_tool("remove_blackout_day", deps, {"day": blocked.isoformat()})
    with pytest.raises(NotFound):
        await call_tool("remove_blackout_day", deps, {"day": blocked.isoformat()})


async def test_weekly_availability_relays_the_plan_and_new_plans_respect_it(db: AsyncSession) -> None:
    user, stranger = await create_user(db), await create_user(db)
    await call_tool("generate_plan", ToolDeps.for_user(db, user, now=START), PLAN)
    deps = ToolDeps.for_user(db, user, now=NOW)
    before = _weeks((await call_tool("get_plan", deps, {})).model_dump())
    days = [{"weekday": 1, "max_minutes": 45}, {"weekday": 4, "available": False}]  # Tue ≤ 45 min, no Fri
    out = (await call_tool("set_weekly_availability", deps, {"days": days})).model_dump()
    assert out["plan"]["weeks"] and out["availability"]["week"][4]["available"] is False
    after = (await call_tool("get_plan", deps, {})).model_dump()
    assert after["checks"] == []
    for index in out["plan"]["weeks"]:
        week = _weeks(after)[index]
        assert not any(s["date"].weekday() == 4 and s["date"] >= NOW.date() for s in _live(week))
        assert all(s["duration_min"] <= 46 for s in _live(week) if s["date"].weekday() == 1)
        assert week["volume_km"] <= before[index]["volume_km"] + 0.05
        assert week["volume_km"] >= 0.9 * before[index]["volume_km"]

    fresh = (
        await call_tool(
            "generate_plan",
            deps,
            {**PLAN, "race_date": "2027-04-11", "strength_per_week": 2, "replace_active": True},
        )
    ).model_dump()
    assert fresh["checks"] == [] and any(
        s["kind"] == "strength" for w in fresh["weeks"] for s in w["sessions"]
    )
    assert not any(s["date"].weekday() == 4 for w in fresh["weeks"] for s in _live(w) if s["kind"] != "race")
    other = ToolDeps.for_user(db, stranger, now=NOW)
    assert (await call_tool("get_availability", other, {})).model_dump()["week"][4]["available"] is True


@pytest.mark.parametrize(
    "blocked", [date(2026, 12, 8), date(2026, 12, 13), date(2027, 1, 17), date(2027, 3, 9)]
)
def test_fit_availability_keeps_volume_and_rules(blocked: date) -> None:
    plan = marathon_plan()
    availability = Availability(blackouts=frozenset({blocked}))
    result = fit_availability(plan, availability, today=NOW.date())
    assert result.violations == [] and availability_violations(result.plan, availability) == []
    week = next(w for w in plan.weeks if w.start <= blocked <= w.end)
    new = next(w for w in result.plan.weeks if w.index == week.index)
    assert result.changed_weeks and new.volume_km == pytest.approx(week.volume_km, abs=0.3)
