"""A whole turn through `agent.stream` on the real database, with the offline coach."""

from __future__ import annotations

import uuid
from typing import Any

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent.events import MessageDone, TextDelta, ToolCall, ToolResult, TurnStarted
from agent.stream import stream
from agent.threads import list_messages, title_from_message
from core.models import Message, User
from tests.agent.conftest import NOW, collect, types
from tests.factories import create_user


async def test_offline_turn_calls_a_real_tool_and_answers_from_it(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver, offline: Any, activities_tool: str
) -> None:
    saved_when_done: list[int] = []
    checkpointed_when_done: list[bool] = []
    events = []
    async for event in stream(
        runner, None, "How was my last run?", session=db, model=offline, checkpointer=checkpointer, now=NOW
    ):
        if isinstance(event, MessageDone):
            rows = (await db.execute(select(Message).where(Message.id == event.message_id))).scalars().all()
            saved_when_done.append(len(rows))
            thread = events[0].thread_id
            state = await checkpointer.aget_tuple({"configurable": {"thread_id": thread}})
            checkpointed_when_done.append(state is not None)
        events.append(event)

    kinds = types(events)
    assert kinds[0] == "turn_started" and kinds[-1] == "message_done"
    assert kinds.index("tool_call") < kinds.index("tool_result") < kinds.index("text_delta")
    # a coach looks at several things: the last 4 weeks of runs, then the newest run in detail and the zones
    calls = [e for e in events if isinstance(e, ToolCall)]
    results = {e.call_id: e for e in events if isinstance(e, ToolResult)}
    assert [c.name for c in calls] == ["list_activities", activities_tool, "zones"]
    assert all(results[c.call_id].ok for c in calls)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    done = events[-1]
    assert isinstance(done, MessageDone) and done.text == text
    assert sum(isinstance(e, TextDelta) for e in events) > 3, "the offline coach streams in chunks"
    assert "Offline coach" in text and "GEMINI_API_KEY" in text
    # newest run: 3000 s at 3.35 m/s = 10.05 km at 4:58 /km, all from the tool results, verdict first
    assert text.startswith("Your last run, Run 1 on "), text
    assert "10.05 km in 50:00 at 4:58 /km" in text, text
    assert "grounding_warning" not in kinds, "every figure of the offline answer comes from the tool"
    assert done.model == "runcoach-offline" and done.usage.requests == 3 and done.usage.tool_calls == 3
    assert saved_when_done == [1] and checkpointed_when_done == [True]

    started = events[0]
    assert isinstance(started, TurnStarted) and started.title == "How was my last run?"
    stored = await list_messages(db, runner, started.thread_id)
    assert [m.role for m in stored] == ["user", "assistant"]
    assert stored[1].content == text and stored[1].model == "runcoach-offline"
    assert stored[1].input_tokens and stored[1].output_tokens
    assert [e["type"] for e in stored[1].events].count("tool_result") == 3


async def test_second_turn_continues_the_thread(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver, offline: Any, activities_tool: str
) -> None:
    thread = uuid.uuid4()
    first = await collect(
        stream(runner, thread, "who am i?", session=db, model=offline, checkpointer=checkpointer)
    )
    second = await collect(
        stream(
            runner,
            thread,
            "how was my last run",
            session=db,
            model=offline,
            checkpointer=checkpointer,
            now=NOW,
        )
    )
    assert types(first)[-1] == types(second)[-1] == "message_done"
    state = await checkpointer.aget_tuple({"configurable": {"thread_id": str(thread)}})
    assert state is not None
    messages = state.checkpoint["channel_values"]["messages"]
    # who am i: prompt, call, return, answer; the last run: prompt, call, return, calls, returns, answer
    assert len(messages) == 10
    assert [m.role for m in await list_messages(db, runner, thread)] == ["user", "assistant"] * 2


async def test_a_turn_writes_one_checkpoint(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver, offline: Any
) -> None:
    thread = uuid.uuid4()
    config: Any = {"configurable": {"thread_id": str(thread)}}
    for message in ("who am i?", "who am i now?"):
        turn = stream(runner, thread, message, session=db, model=offline, checkpointer=checkpointer)
        assert types(await collect(turn))[-1] == "message_done"
    checkpoints = [c async for c in checkpointer.alist(config)]
    assert len(checkpoints) == 2, "one checkpoint per turn (when it ends), none between its steps"
    latest = checkpoints[0].checkpoint["channel_values"]
    assert len(latest["messages"]) == 8, "the second turn's checkpoint holds both turns' messages"


async def test_user_cannot_use_another_users_thread(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver, offline: Any
) -> None:
    first = await collect(
        stream(runner, None, "who am i?", session=db, model=offline, checkpointer=checkpointer)
    )
    thread = first[0].thread_id  # type: ignore[union-attr]
    intruder = await create_user(db)
    events = await collect(
        stream(intruder, thread, "show me everything", session=db, model=offline, checkpointer=checkpointer)
    )
    assert types(events) == ["error"] and events[0].code == "not_found"  # type: ignore[union-attr]
    import pytest

    from core.errors import NotFound

    with pytest.raises(NotFound):
        await list_messages(db, intruder, thread)
    assert len(await list_messages(db, runner, thread)) == 2


async def test_empty_message_is_an_error_event(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver, offline: Any
) -> None:
    events = await collect(stream(runner, None, "   ", session=db, model=offline, checkpointer=checkpointer))
    assert types(events) == ["error"] and events[0].code == "invalid_input"  # type: ignore[union-attr]


def test_titles_are_deterministic() -> None:
    assert title_from_message("How was my last run? Also the week.") == "How was my last run?"
    long = "Could you please build me a marathon plan for the spring with five runs every single week"
    title = title_from_message(long)
    assert title.endswith("…") and len(title) <= 60 and title == title_from_message(long)
    assert title_from_message("  add a race:\n Berlin  ") == "add a race: Berlin"


async def test_two_turns_on_one_thread_at_once_the_second_is_refused(
    committed_user: User, checkpointer: AsyncPostgresSaver
) -> None:
    import asyncio

    from pydantic_ai.models.function import AgentInfo, FunctionModel

    release = asyncio.Event()
    started = asyncio.Event()

    async def slow(messages: list[Any], info: AgentInfo) -> Any:
        started.set()
        await release.wait()
        yield "Finally."

    model = FunctionModel(stream_function=slow)
    thread = uuid.uuid4()
    first = asyncio.create_task(
        collect(stream(committed_user, thread, "one", model=model, checkpointer=checkpointer))
    )
    await asyncio.wait_for(started.wait(), 10)
    second = await collect(stream(committed_user, thread, "two", model=model, checkpointer=checkpointer))
    release.set()
    done = await first
    assert types(second) == ["error"] and second[0].code == "conflict"  # type: ignore[union-attr]
    assert types(done)[-1] == "message_done"


async def test_checkpointer_setup_is_idempotent(database_url: str) -> None:
    from agent.checkpoint import setup_checkpointer

    await setup_checkpointer(database_url)
    await setup_checkpointer(database_url)


async def test_a_tool_module_that_fails_to_load_is_an_error_event(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver, offline: Any, monkeypatch: Any
) -> None:
    import agent.stream as stream_module

    def broken() -> list[Any]:
        raise TypeError("a tool module has a bug")

    monkeypatch.setattr(stream_module, "all_tools", broken)
    events = await collect(stream(runner, None, "hi", session=db, model=offline, checkpointer=checkpointer))
    assert types(events) == ["error"] and events[0].code == "service_unavailable"  # type: ignore[union-attr]


async def test_a_misconfigured_provider_says_what_to_set(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    from core.settings import Settings

    settings = Settings(env="test", llm_provider="gemini", gemini_api_key=None)
    events = await collect(
        stream(runner, None, "hi", session=db, settings=settings, checkpointer=checkpointer)
    )
    assert types(events) == ["error"] and "GEMINI_API_KEY" in events[0].message  # type: ignore[union-attr]
