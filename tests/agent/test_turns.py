"""Turn behaviour that is not about models: failing tools, grounding, knowledge citations, the offline
plans."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from pydantic import BaseModel
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel
from sqlalchemy.ext.asyncio import AsyncSession

from agent.context import wanted
from agent.events import (
    ApprovalDecision,
    Citation,
    ErrorEvent,
    GroundingWarning,
    MessageDone,
    TextDelta,
    ToolResult,
)
from agent.offline.intents import understand
from agent.offline.plans import next_calls
from agent.offline.turn import Result, Turn
from agent.stream import stream
from agent.threads import list_messages
from core.errors import InvalidInput
from core.models import User
from tests.agent.conftest import PUSHED, collect, registered, types
from tools.deps import ToolDeps
from tools.registry import all_tools, get_tool


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
        "whoami", "Your max heart rate is 188 bpm, so run your long run at 142 bpm for 32.7 km."
    )
    events = await collect(
        stream(runner, None, "long run advice", session=db, model=model, checkpointer=checkpointer)
    )
    assert types(events)[-2:] == ["grounding_warning", "message_done"]
    warning = events[-2]
    assert isinstance(warning, GroundingWarning) and warning.figures == ["142 bpm", "32.7 km"]
    done = events[-1]  # the saved answer itself carries the marks, for every channel that shows it
    assert isinstance(done, MessageDone)
    assert done.text.endswith("at 142 bpm ⚠ for 32.7 km ⚠.")
    stored = (await list_messages(db, runner, events[0].thread_id))[-1]  # type: ignore[union-attr]
    assert stored.content == done.text


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


def _registered() -> set[str]:
    return {spec.name for spec in all_tools()}


#: a message per kind of request, and the tools the offline coach's first step must call
FIRST_STEP = {
    "[proactive:morning_readiness] day 2026-10-20": {"readiness", "adjust_today"},
    "[proactive:after_run] activity 12": {"last_activity", "list_activities"},
    "[proactive:weekly_review]": {"training_load", "list_activities", "plan_execution"},
    "[proactive:race_week] The athlete's race 'Berlin 10K' (race 3)": {"list_races"},
    "[proactive:gear_threshold]": {"list_gear"},
    "[proactive:missed_session]": {"get_plan"},
    "push tomorrow's workout to my watch": {"push_workout"},
    "build me a training plan for a marathon on 2027-04-11": {"list_races", "get_plan"},
    "Add a race: Berlin Marathon on 2027-09-26": {"add_race"},
    "I bought new shoes: Pegasus 41": {"add_gear"},
    "predict my marathon": {"race_prediction"},
    "How was my last run?": {"list_activities"},
    "how was my week?": {"training_load", "list_activities", "get_plan"},
    "what is my fitness trend": {"training_load"},
    "what is my vo2max": {"fitness_metrics"},
    "show my feed": {"activity_feed"},
    "am I ready for a hard session today": {"readiness", "adjust_today"},
    "what are my zones": {"zones"},
    "who am I?": {"whoami"},
    "how should I taper": {"search_knowledge"},
    "I have a cold since yesterday": {"add_calendar_note", "readiness"},
}


@pytest.mark.parametrize(("message", "tools"), FIRST_STEP.items())
def test_every_offline_plan_calls_registered_tools_with_valid_arguments(
    message: str, tools: set[str]
) -> None:
    """The plans name the registry's tools and arguments exactly: a renamed tool or field fails here."""
    calls = next_calls(understand(message, date(2026, 10, 20)), Turn(), _registered())
    assert {name for name, _ in calls} == tools, calls
    for name, arguments in calls:
        get_tool(name).input_model.model_validate(arguments)  # the arguments are valid for the real tool


def test_the_turn_context_names_registered_tools_with_valid_arguments() -> None:
    user = User(id=1, email="x@example.com", timezone="UTC")
    deps = ToolDeps.for_user(None, user)  # type: ignore[arg-type]  # no query runs here
    for _, name, arguments in wanted(deps):
        spec = get_tool(name)
        assert not spec.side_effect
        spec.input_model.model_validate(arguments)


def test_offline_plans_keep_names_and_dates_and_skip_tools_the_turn_does_not_offer() -> None:
    today = date(2026, 10, 20)
    tools = _registered()
    assert next_calls(understand("predict my marathon", today), Turn(), tools) == [
        ("race_prediction", {"targets_m": [42195.0]})
    ]
    assert next_calls(understand("Add a race: Berlin Marathon on 2027-09-26", today), Turn(), tools) == [
        (
            "add_race",
            {"name": "Berlin Marathon", "date": "2027-09-26", "priority": "A", "distance_m": 42195.0},
        )
    ]
    assert next_calls(understand("I bought new shoes: Pegasus 41", today), Turn(), tools) == [
        ("add_gear", {"name": "Pegasus 41", "kind": "shoes"})
    ]
    # a turn that does not offer a plan's tool leaves it out; with nothing left, the coach answers
    without = tools - {"adjust_today"}
    assert next_calls(understand("Should I run today?", today), Turn(), without) == [
        ("readiness", {"day": "2026-10-20"})
    ]
    assert next_calls(understand("Should I run today?", today), Turn(), set()) == []


def invents_then_repairs(rewrite: str) -> FunctionModel:
    """A model that answers with an invented figure, and rewrites its answer when asked to repair it."""
    answer = "Your max heart rate is 188 bpm; run your long run at 142 bpm."

    async def respond(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        last = messages[-1]
        if isinstance(last, ModelRequest) and any(isinstance(p, UserPromptPart) for p in last.parts):
            yield {0: DeltaToolCall(name="whoami", json_args="{}")}
            return
        yield answer

    def repair(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        asked = messages[-1].parts[-1]
        assert not info.function_tools and isinstance(asked, UserPromptPart)
        assert "142 bpm" in str(asked.content) and '"max_hr": 188' in str(asked.content)  # figures + evidence
        return ModelResponse(parts=[TextPart(content=rewrite)])

    return FunctionModel(repair, stream_function=respond)


async def test_a_real_models_invented_figure_is_repaired_once_against_the_evidence(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    runner.max_hr = 188
    await db.flush()
    fixed = "Your max heart rate is 188 bpm; keep your long run easy, well below it."
    events = await collect(
        stream(
            runner,
            None,
            "long run advice",
            session=db,
            model=invents_then_repairs(fixed),
            checkpointer=checkpointer,
        )
    )
    assert "grounding_warning" not in types(events)
    done = events[-1]
    assert isinstance(done, MessageDone) and done.text == fixed
    assert done.usage.requests == 3  # the tool call, the answer, the one repair
    assert (await list_messages(db, runner, events[0].thread_id))[-1].content == fixed  # type: ignore[union-attr]

    still = "Your max heart rate is 188 bpm; run your long run at 140 bpm."
    events = await collect(
        stream(
            runner,
            None,
            "long run advice",
            session=db,
            model=invents_then_repairs(still),
            checkpointer=checkpointer,
        )
    )
    warning, done = events[-2], events[-1]
    assert isinstance(warning, GroundingWarning) and warning.figures == ["140 bpm"]
    assert isinstance(done, MessageDone) and done.text == still.replace("140 bpm", "140 bpm ⚠")


def test_a_proposed_change_for_today_is_offered_for_approval_and_a_plan_respects_the_calendar() -> None:
    """The second step of the readiness plan offers adjust_today's change (the morning's Approve / Keep);
    a plan asked for a date after an A race asks first, and replacing an active plan says so."""
    today = date(2026, 10, 20)
    tools = _registered()
    bad_night = understand("I slept badly", today)
    proposal = {"session_id": 7, "action": "easy"}
    turn = Turn()
    turn.results.append(Result("readiness", {"day": "2026-10-20"}, {"score": 40, "label": "take it easy"}))
    turn.results.append(Result("adjust_today", {}, {"action": "easy", "apply_with": proposal}))
    assert next_calls(bad_night, turn, tools) == [("apply_today_adjustment", proposal)]

    ask = understand("Make me a plan for a half marathon on 2027-02-28", today)
    turn = Turn()
    a_race = {"id": 3, "name": "Lisbon Half", "date": "2027-01-31", "priority": "A", "distance_m": 21097.5}
    turn.results.append(Result("list_races", {}, {"races": [a_race], "next_a_race": a_race}))
    turn.results.append(Result("get_plan", {}, {"error": "not_found", "message": "no active plan"}))
    assert next_calls(ask, turn, tools) == []  # the answer asks which race
    turn.results[0] = Result("list_races", {}, {"races": [], "next_a_race": None})
    turn.results[1] = Result("get_plan", {}, {"plan_id": 1, "name": "Old plan"})
    assert next_calls(ask, turn, tools) == [
        ("generate_plan", {"race_date": "2027-02-28", "replace_active": True, "race_distance_m": 21097.5})
    ]
