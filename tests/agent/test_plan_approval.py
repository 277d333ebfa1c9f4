"""Replacing the active plan needs the athlete's yes, through the agent (offline coach, real PostgreSQL
checkpointer): the first plan is asked for and approved; asking again asks to *replace* it
(`replace_active` in the arguments the athlete sees), and declining leaves the first plan active."""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from sqlalchemy.ext.asyncio import AsyncSession

from agent.events import ApprovalDecision, ApprovalRequired, CoachEvent, MessageDone, TurnStarted
from agent.stream import stream
from core.models import User
from tests.agent.conftest import NOW, collect
from tools.deps import ToolDeps
from tools.registry import call_tool

ASK = "build me a training plan for a marathon on 2027-04-11"


async def _turn(
    db: AsyncSession,
    user: User,
    checkpointer: AsyncPostgresSaver,
    model: Any,
    thread: str | None,
    message: Any,
) -> list[CoachEvent]:
    return await collect(
        stream(user, thread, message, session=db, model=model, checkpointer=checkpointer, now=NOW)
    )


async def _active_plan(db: AsyncSession, user: User) -> dict[str, Any]:
    return (await call_tool("get_plan", ToolDeps.for_user(db, user, now=NOW), {})).model_dump()


async def test_generate_plan_twice_the_second_asks_to_replace_the_active_plan(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver, offline: Any
) -> None:
    first = await _turn(db, runner, checkpointer, offline, None, ASK)
    asked = first[-1]
    assert isinstance(asked, ApprovalRequired) and asked.tool == "generate_plan"
    assert asked.arguments == {"race_date": "2027-04-11", "race_distance_m": 42195.0}  # nothing to replace
    assert isinstance(first[0], TurnStarted)
    yes = ApprovalDecision(approval_id=asked.approval_id, approved=True)
    done = await _turn(db, runner, checkpointer, offline, first[0].thread_id, yes)
    assert isinstance(done[-1], MessageDone) and "Here is your plan" in done[-1].text
    plan = await _active_plan(db, runner)

    # the second request: the approval says it replaces the active plan; nothing changes before the answer
    second = await _turn(db, runner, checkpointer, offline, None, ASK)
    again = second[-1]
    assert isinstance(again, ApprovalRequired) and again.tool == "generate_plan"
    assert again.arguments["replace_active"] is True
    assert (await _active_plan(db, runner))["plan_id"] == plan["plan_id"]
    assert isinstance(second[0], TurnStarted)
    no = ApprovalDecision(approval_id=again.approval_id, approved=False)
    declined = await _turn(db, runner, checkpointer, offline, second[0].thread_id, no)
    assert isinstance(declined[-1], MessageDone)
    assert (await _active_plan(db, runner))["plan_id"] == plan["plan_id"]

    # and approved, the new plan replaces it (the old one is archived)
    third = await _turn(db, runner, checkpointer, offline, None, ASK)
    last = third[-1]
    assert isinstance(last, ApprovalRequired) and last.arguments["replace_active"] is True
    assert isinstance(third[0], TurnStarted)
    ok = ApprovalDecision(approval_id=last.approval_id, approved=True)
    await _turn(db, runner, checkpointer, offline, third[0].thread_id, ok)
    replaced = await _active_plan(db, runner)
    assert replaced["plan_id"] != plan["plan_id"]
    old = await call_tool("get_plan", ToolDeps.for_user(db, runner, now=NOW), {"plan_id": plan["plan_id"]})
    assert old.model_dump()["status"] == "archived"
