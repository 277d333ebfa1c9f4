"""Calendar notes: user-scoped CRUD through the registry, read by the coach's context, and an illness that
turns the plan's open sessions into rest and re-sizes the weeks after it within every rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from agent.context import load_context
from core.errors import InvalidInput, NotFound
from tests.factories import create_user
from tests.tools.plans.marathon import PLAN, START
from tools.deps import ToolDeps
from tools.registry import call_tool, get_tool


def _sessions(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for w in plan["weeks"] for s in w["sessions"]]


async def test_notes_are_the_athletes_own(db: AsyncSession) -> None:
    user, stranger = await create_user(db), await create_user(db)
    deps = ToolDeps.for_user(db, user, now=START)
    other = ToolDeps.for_user(db, stranger, now=START)
    travel = (
        await call_tool(
            "add_calendar_note",
            deps,
            {"kind": "travel", "start_date": "2026-11-25", "end_date": "2026-11-28"},
        )
    ).model_dump()
    assert travel["days"] == 4 and travel["severity"] == 2
    today = (
        await call_tool("add_calendar_note", deps, {"kind": "life_stress", "text": "deadline"})
    ).model_dump()
    assert today["start_date"] == today["end_date"] == START.date()

    listed = (await call_tool("list_calendar_notes", deps, {})).model_dump()
    assert [n["note_id"] for n in listed["notes"]] == [today["note_id"], travel["note_id"]]
    assert [n["note_id"] for n in listed["active_today"]] == [today["note_id"]]
    assert (await call_tool("list_calendar_notes", other, {})).model_dump()["notes"] == []
    with pytest.raises(NotFound):
        await call_tool("update_calendar_note", other, {"note_id": travel["note_id"], "severity": 3})
    with pytest.raises(InvalidInput, match="before start_date"):
        await call_tool(
            "update_calendar_note", deps, {"note_id": travel["note_id"], "end_date": "2026-11-01"}
        )
    with pytest.raises(InvalidInput):
        await call_tool("add_calendar_note", deps, {"kind": "holiday"})
    changed = await call_tool("update_calendar_note", deps, {"note_id": travel["note_id"], "severity": 1})
    assert changed.model_dump()["severity"] == 1 and changed.model_dump()["end_date"] == date(2026, 11, 28)
    assert get_tool("delete_calendar_note").side_effect
    with pytest.raises(NotFound):
        await call_tool("delete_calendar_note", other, {"note_id": travel["note_id"]})
    await call_tool("delete_calendar_note", deps, {"note_id": travel["note_id"]})
    assert len((await call_tool("list_calendar_notes", deps, {})).model_dump()["notes"]) == 1

    context = await load_context(deps)
    assert context["calendar_notes"]["active_today"][0]["text"] == "deadline"


async def test_illness_turns_sessions_into_rest_and_reflows_after_it(db: AsyncSession) -> None:
    user = await create_user(db)
    plan = (await call_tool("generate_plan", ToolDeps.for_user(db, user, now=START), PLAN)).model_dump()
    now = datetime.combine(date(2026, 12, 2), time(7), tzinfo=UTC)  # Wednesday of week 2
    deps = ToolDeps.for_user(db, user, now=now)
    ill_from, ill_to = date(2026, 12, 2), date(2026, 12, 8)
    await call_tool(
        "add_calendar_note",
        deps,
        {
            "kind": "illness",
            "start_date": ill_from.isoformat(),
            "end_date": ill_to.isoformat(),
            "text": "flu",
        },
    )
    await call_tool(
        "add_calendar_note", deps, {"kind": "travel", "start_date": "2026-12-20", "end_date": "2026-12-22"}
    )
    planned_in_illness = [
        s for s in _sessions(plan) if ill_from <= s["date"] <= ill_to and s["kind"] not in ("rest", "race")
    ]
    assert planned_in_illness

    out = (await call_tool("adapt_plan", deps, {})).model_dump()

    after = {s["session_id"]: s for s in _sessions(out["plan"])}
    for s in planned_in_illness:
        assert after[s["session_id"]]["kind"] == "rest" and after[s["session_id"]]["status"] == "adjusted"
    assert any("illness" in n for n in out["notes"])
    assert out["reflowed"] and out["plan"]["checks"] == []
    assert all(w["start"] > ill_to for w in out["reflowed_weeks"])  # weeks after the illness re-sized
    untouched = [s for s in _sessions(out["plan"]) if date(2026, 12, 20) <= s["date"] <= date(2026, 12, 22)]
    assert all(s["kind"] != "rest" or s["status"] == "planned" for s in untouched)  # travel changes nothing

    again = (await call_tool("adapt_plan", deps, {})).model_dump()
    assert not again["reflowed"] and not any("illness" in n for n in again["notes"])  # nothing new to do
    past = ToolDeps.for_user(db, user, now=now + timedelta(days=30))
    later = (await call_tool("adapt_plan", past, {})).model_dump()
    assert not any("illness" in n for n in later["notes"])  # an illness in the past changes nothing now
