"""Turn behaviour that is not about models: failing tools, grounding, knowledge citations, the offline
routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from pydantic import BaseModel
from pydantic_ai.messages import ModelMessage, ModelRequest, UserPromptPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel
from pydantic_ai.tools import ToolDefinition
from sqlalchemy.ext.asyncio import AsyncSession

from agent.events import ApprovalDecision, Citation, ErrorEvent, GroundingWarning, TextDelta, ToolResult
from agent.offline import route_message
from agent.stream import stream
from core.errors import InvalidInput
from core.models import User
from tests.agent.conftest import PUSHED, collect, registered, types
from tools.deps import ToolDeps


class Nothing(BaseModel):
    pass


class Never(BaseModel):
    ok: bool


async def _explodes(deps: ToolDeps, args: Nothing) -> Never:
    """A tool with a bug."""
    raise RuntimeError("boom")


async def _refuses(deps: ToolDeps, args: Nothing) -> Never:
    """A tool that rejects its input."""
    raise InvalidInput("Give a date as YYYY-MM-DD.")


_explodes.__annotations__ = _refuses.__annotations__ = {"deps": ToolDeps, "args": Nothing, "return": Never}


def calls_then_says(tool: str, answer: str) -> FunctionModel:
    async def respond(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        last = messages[-1]
        if isinstance(last, ModelRequest) and any(isinstance(p, UserPromptPart) for p in last.parts):
            yield {0: DeltaToolCall(name=tool, json_args="{}")}
            return
        yield answer

    return FunctionModel(stream_function=respond)


async def test_a_tool_exception_is_an_event_and_the_turn_goes_on(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    with registered("test_explodes", _explodes):
        model = calls_then_says("test_explodes", "That did not work, sorry.")
        events = await collect(stream(runner, None, "go", session=db, model=model, checkpointer=checkpointer))
    assert types(events)[-1] == "message_done"
    failed = next(e for e in events if isinstance(e, ToolResult))
    assert (
        not failed.ok and "failed unexpectedly" in (failed.error or "") and "boom" not in (failed.error or "")
    )
    assert events[-1].text == "That did not work, sorry."  # type: ignore[union-attr]
    # the session is still usable: the turn was saved
    assert events[-1].message_id  # type: ignore[union-attr]


async def test_invalid_input_from_a_tool_goes_back_to_the_model(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    with registered("test_refuses", _refuses):
        model = calls_then_says("test_refuses", "I need a date.")
        events = await collect(stream(runner, None, "go", session=db, model=model, checkpointer=checkpointer))
    assert types(events)[-1] == "message_done"
    rejected = next(e for e in events if isinstance(e, ToolResult))
    assert not rejected.ok and rejected.error == "Give a date as YYYY-MM-DD."


async def test_invented_figures_are_flagged(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    runner.max_hr = 188
    await db.flush()
    model = calls_then_says(
        "whoami", "Your max heart rate is 188 bpm, so run your long run at 142 bpm for 32 km."
    )
    events = await collect(
        stream(runner, None, "long run advice", session=db, model=model, checkpointer=checkpointer)
    )
    assert types(events)[-2:] == ["grounding_warning", "message_done"]
    warning = events[-2]
    assert isinstance(warning, GroundingWarning) and warning.figures == ["142 bpm", "32 km"]


async def test_knowledge_answers_cite_their_sources(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver, offline: Any
) -> None:
    events = await collect(
        stream(runner, None, "How long should I taper?", session=db, model=offline, checkpointer=checkpointer)
    )
    assert types(events)[-1] == "message_done", events
    result = next(e for e in events if isinstance(e, ToolResult))
    assert result.name == "search_knowledge" and result.ok
    citations = [e for e in events if isinstance(e, Citation)]
    assert citations and citations[0].source == "tapering.md" and citations[0].call_id == result.call_id
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert "marathon taper" in text.lower() and "Source: Tapering" in text
    assert "grounding_warning" not in types(events)


async def test_model_failure_after_an_approved_side_effect_does_not_repeat_it(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver, push_tool: str
) -> None:
    async def respond(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        last = messages[-1]
        if isinstance(last, ModelRequest) and any(isinstance(p, UserPromptPart) for p in last.parts):
            yield {0: DeltaToolCall(name=push_tool, json_args='{"date": "2026-10-21"}', tool_call_id="p1")}
            return
        yield {0: DeltaToolCall(name="no_such_tool", json_args="{")}  # garbage after the side effect

    model = FunctionModel(stream_function=respond)
    first = await collect(stream(runner, None, "push it", session=db, model=model, checkpointer=checkpointer))
    thread = first[0].thread_id  # type: ignore[union-attr]
    decision = ApprovalDecision(approval_id="p1", approved=True)
    second = await collect(
        stream(runner, thread, decision, session=db, model=model, checkpointer=checkpointer)
    )
    assert types(second)[-1] == "error" and isinstance(second[-1], ErrorEvent)
    assert len(PUSHED) == 1
    again = await collect(
        stream(runner, thread, decision, session=db, model=model, checkpointer=checkpointer)
    )
    assert types(again) == ["error"] and len(PUSHED) == 1


def _tool(
    name: str, properties: dict[str, Any] | None = None, required: list[str] | None = None
) -> ToolDefinition:
    schema = {"type": "object", "properties": properties or {}, "required": required or []}
    return ToolDefinition(name=name, parameters_json_schema=schema)


def test_offline_routes_pick_registered_tools_by_name_and_fill_arguments() -> None:
    today = date(2026, 10, 20)
    tools = [
        _tool("whoami"),
        _tool("search_knowledge", {"query": {"type": "string"}, "limit": {"type": "integer"}}, ["query"]),
        _tool("list_activities", {"limit": {"type": "integer"}}),
        _tool("race_prediction", {"distance_m": {"type": "number"}, "targets_m": {"type": "array"}}),
        _tool("push_workout", {"date": {"type": "string"}}, ["date"]),
        _tool(
            "add_race",
            {"name": {"type": "string"}, "date": {"type": "string"}, "distance_m": {"type": "number"}},
            ["name", "date"],
        ),
        _tool("add_gear", {"name": {"type": "string"}, "kind": {"type": "string"}}, ["name"]),
    ]
    assert route_message("How was my last run?", today, tools) == (
        "last_run",
        "list_activities",
        {"limit": 1},
    )
    assert route_message("predict my marathon", today, tools) == (
        "predict",
        "race_prediction",
        {"targets_m": [42195.0]},
    )
    assert route_message("push tomorrow's workout to my watch", today, tools) == (
        "push_workout",
        "push_workout",
        {"date": "2026-10-21"},
    )
    assert route_message("Add a race: Berlin Marathon on 2027-09-26", today, tools) == (
        "add_race",
        "add_race",
        {"name": "Berlin Marathon", "date": "2027-09-26", "distance_m": 42195.0},
    )
    assert route_message("I bought new shoes: Pegasus 41", today, tools) == (
        "new_shoes",
        "add_gear",
        {"name": "Pegasus 41", "kind": "shoes"},
    )
    assert route_message("how should I taper", today, tools) == (
        "knowledge",
        "search_knowledge",
        {"query": "how should I taper", "limit": 3},
    )
    # a route whose tool is missing falls through to the next option, then to knowledge, then to the profile
    assert route_message("this week?", today, tools[:3])[1] == "list_activities"  # type: ignore[index]
    assert route_message("build a plan", today, tools[:1]) == ("profile", "whoami", {})
    assert route_message("anything", today, []) is None
    # a tool named differently than the routes expect is still found by its name's shape
    renamed = [_tool("whoami"), _tool("get_recent_activities", {"limit": {"type": "integer"}})]
    assert route_message("how was my last run", today, renamed) == (
        "last_run",
        "get_recent_activities",
        {"limit": 1},
    )
