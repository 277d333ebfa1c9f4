"""A calendar note proposes a re-flow of the active plan; applying it (approval needed) stores rest and the
return ramp, and the stored plan keeps every rule. Real PostgreSQL, through the tool registry."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from tests.factories import create_user
from tests.tools.plans.marathon import NOW, PLAN, START
from tools.deps import ToolDeps
from tools.plans.rules import check_plan
from tools.plans.store import as_run_plan, load_plan
from tools.registry import call_tool, get_tool

ILL_FROM, ILL_TO = date(2026, 12, 9), date(2026, 12, 11)


def _by_day(plan: dict[str, Any]) -> dict[date, dict[str, Any]]:
    return {s["date"]: s for w in plan["weeks"] for s in w["sessions"]}


async def test_illness_note_proposes_rest_then_ramp_and_apply_keeps_the_rules(db: AsyncSession) -> None:
    user = await create_user(db)
    await call_tool("generate_plan", ToolDeps.for_user(db, user, now=START), PLAN)
    deps = ToolDeps.for_user(db, user, now=NOW)
    before = _by_day((await call_tool("get_plan", deps, {})).model_dump())
    note = (
        await call_tool(
            "add_calendar_note",
            deps,
            {"kind": "illness", "start_date": ILL_FROM.isoformat(), "end_date": ILL_TO.isoformat()},
        )
    ).model_dump()

    proposal = (await call_tool("propose_note_changes", deps, {"note_id": note["note_id"]})).model_dump()
    assert proposal["can_apply"] and proposal["violations"] == [] and proposal["applied_on"] is None
    assert _by_day((await call_tool("get_plan", deps, {})).model_dump()) == before  # a proposal is only that
    edits = {e["date"]: e for e in proposal["sessions"]}
    ill_days = [d for d in before if ILL_FROM <= d <= ILL_TO and before[d]["kind"] != "rest"]
    assert ill_days and all(edits[d]["after_kind"] == "rest" for d in ill_days)

    assert get_tool("apply_note_changes").side_effect and not get_tool("propose_note_changes").side_effect
    applied = (await call_tool("apply_note_changes", deps, {"note_id": note["note_id"]})).model_dump()
    assert applied["applied_on"] == NOW.date() and not applied["can_apply"]

    stored = (await call_tool("get_plan", deps, {})).model_dump()
    assert stored["checks"] == []
    after = _by_day(stored)
    for day in ill_days:
        assert after[day]["kind"] == "rest" and after[day]["status"] == "adjusted"
    ramp = [(ILL_TO + timedelta(days=k + 1), share) for k, share in enumerate((0.3, 0.5, 0.75))]
    ran = [(d, share) for d, share in ramp if d in before and before[d]["kind"] not in ("rest", "strength")]
    assert ran, "the plan has runs on the days after the illness"
    for day, share in ran:
        assert after[day]["kind"] in ("easy", "rest")
        assert after[day]["distance_km"] <= share * before[day]["distance_km"] + 0.1
    row, designed, sessions = await load_plan(db, user.id)
    assert check_plan(designed) == [] and check_plan(as_run_plan(row, sessions)) == []

    with pytest.raises(InvalidInput, match="applied"):
        await call_tool("apply_note_changes", deps, {"note_id": note["note_id"]})
    again = (await call_tool("propose_note_changes", deps, {"note_id": note["note_id"]})).model_dump()
    assert again["applied_on"] == NOW.date() and not again["can_apply"]


async def test_a_note_is_proposed_only_to_its_owner(db: AsyncSession) -> None:
    user, stranger = await create_user(db), await create_user(db)
    await call_tool("generate_plan", ToolDeps.for_user(db, user, now=START), PLAN)
    deps = ToolDeps.for_user(db, user, now=NOW)
    note = (
        await call_tool("add_calendar_note", deps, {"kind": "travel", "start_date": "2026-12-10"})
    ).model_dump()
    other = ToolDeps.for_user(db, stranger, now=NOW)
    with pytest.raises(NotFound):
        await call_tool("propose_note_changes", other, {"note_id": note["note_id"]})
    with pytest.raises(NotFound):
        await call_tool("apply_note_changes", other, {"note_id": note["note_id"]})
    travel = (await call_tool("apply_note_changes", deps, {"note_id": note["note_id"]})).model_dump()
    moved = [e for e in travel["sessions"] if e["new_date"] != e["date"]]
    assert moved and all(e["new_date"] != date(2026, 12, 10) for e in moved)
    assert (await call_tool("get_plan", deps, {})).model_dump()["checks"] == []
