"""Side-effect tools: approval through LangGraph interrupt, exactly once on approve, never on deny, and a
resume that works after the graph (and its checkpointer) were thrown away and rebuilt from PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from pydantic_ai.messages import ModelMessage, ModelRequest, ToolReturnPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel
from sqlalchemy.ext.asyncio import AsyncSession

from agent import coach, toolkit
from agent import stream as stream_module
from agent.checkpoint import open_checkpointer
from agent.events import ApprovalDecision, ApprovalRequired, MessageDone, TextDelta, ToolResult
from agent.stream import graph_for, stream, waiting_approval
from agent.threads import list_messages
from core.models import User
from core.runtime import Services
from tests.agent.conftest import PUSHED, collect, types


def _answered(messages: list[ModelMessage]) -> list[ToolReturnPart]:
    last = messages[-1]
    return [p for p in last.parts if isinstance(p, ToolReturnPart)] if isinstance(last, ModelRequest) else []


def push_model(*, with_reason: bool = True) -> FunctionModel:
    """Asks to push on a prompt; afterwards reports what the tool result (or the denial) says."""

    async def respond(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        last = messages[-1]
        if isinstance(last, ModelRequest) and any(isinstance(p, UserPromptPart) for p in last.parts):
            if "push" in str(last.parts[-1].content):
                yield {
                    0: DeltaToolCall(
                        name="test_push_workout", json_args='{"date": "2026-10-21"}', tool_call_id=None
                    )
                }
                return
            yield "Noted."
            return
        for part in _answered(messages):
            content = part.content
            if isinstance(content, dict) and content.get("pushed"):
                yield f"Done: {content['summary']}."
            else:
                yield f"Not pushed: {content}"
        if not _answered(messages):
            yield "Nothing to report."

    return FunctionModel(stream_function=respond, model_name="push-model")


async def _ask(
    db: AsyncSession, user: User, saver: AsyncPostgresSaver, message: Any, thread: Any = None
) -> list[Any]:
    return await collect(stream(user, thread, message, session=db, model=push_model(), checkpointer=saver))


async def test_approve_runs_the_side_effect_exactly_once(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver, push_tool: str
) -> None:
    first = await _ask(db, runner, checkpointer, "push tomorrow's workout to my watch")
    assert types(first)[0] == "turn_started" and types(first)[-1] == "approval_required"
    assert "tool_call" not in types(first) and PUSHED == []
    approval = first[-1]
    assert isinstance(approval, ApprovalRequired)
    assert approval.tool == push_tool and approval.arguments == {"date": "2026-10-21"}
    assert approval.what.startswith("Push the planned workout") and approval.why
    thread = first[0].thread_id

    second = await _ask(
        db, runner, checkpointer, ApprovalDecision(approval_id=approval.approval_id, approved=True), thread
    )
    assert types(second)[0] == "turn_started" and second[0].resumed
    assert types(second)[-1] == "message_done"
    assert [(runner.id, "2026-10-21")] == PUSHED
    result = next(e for e in second if isinstance(e, ToolResult))
    assert (
        result.ok
        and result.call_id == approval.approval_id
        and result.data
        == {
            "pushed": True,
            "date": "2026-10-21",
            "summary": "workout of 2026-10-21 sent to the watch",
        }
    )
    assert "sent to the watch" in "".join(e.text for e in second if isinstance(e, TextDelta))

    again = await _ask(
        db, runner, checkpointer, ApprovalDecision(approval_id=approval.approval_id, approved=True), thread
    )
    assert types(again) == ["error"] and again[0].code == "conflict"
    assert [(runner.id, "2026-10-21")] == PUSHED, "a second approval must not run it again"
    roles = [m.role for m in await list_messages(db, runner, thread)]
    assert roles == ["user", "assistant", "approval", "assistant"]


async def test_deny_never_runs_it(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver, push_tool: str
) -> None:
    first = await _ask(db, runner, checkpointer, "push it")
    approval = first[-1]
    assert isinstance(approval, ApprovalRequired)
    second = await _ask(
        db,
        runner,
        checkpointer,
        ApprovalDecision(approval_id=approval.approval_id, approved=False, note="not today"),
        first[0].thread_id,
    )
    assert types(second)[-1] == "message_done" and PUSHED == []
    declined = next(e for e in second if isinstance(e, ToolResult))
    assert not declined.ok and "not today" in (declined.error or "")
    assert "Not pushed" in second[-1].text


async def test_new_message_instead_of_a_decision_declines_and_answers(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver, push_tool: str
) -> None:
    first = await _ask(db, runner, checkpointer, "push it")
    thread = first[0].thread_id
    second = await _ask(db, runner, checkpointer, "actually, never mind", thread)
    assert types(second)[-1] == "message_done" and second[-1].text == "Noted." and PUSHED == []
    stale = await _ask(
        db, runner, checkpointer, ApprovalDecision(approval_id=first[-1].approval_id, approved=True), thread
    )
    assert types(stale) == ["error"] and PUSHED == []


async def test_resume_after_restart_from_the_postgres_checkpoint(
    db: AsyncSession, runner: User, services: Services, push_tool: str
) -> None:
    saver, pool = await open_checkpointer(services.database_url, max_size=2)
    try:
        first = await _ask(db, runner, saver, "push tomorrow's workout")
    finally:
        await pool.close()
    approval = first[-1]
    assert isinstance(approval, ApprovalRequired)

    # a new process: nothing in memory survives but the database
    stream_module._graphs.clear()
    coach._agents.clear()
    toolkit._cache.clear()
    saver, pool = await open_checkpointer(services.database_url, max_size=2)
    try:
        second = await _ask(
            db,
            runner,
            saver,
            ApprovalDecision(approval_id=approval.approval_id, approved=True),
            first[0].thread_id,
        )
    finally:
        await pool.close()
    assert types(second)[-1] == "message_done"
    assert isinstance(second[-1], MessageDone) and "sent to the watch" in second[-1].text
    assert [(runner.id, "2026-10-21")] == PUSHED


async def test_two_approvals_in_one_answer_are_asked_one_at_a_time(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver, push_tool: str
) -> None:
    async def two(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        if isinstance(messages[-1], ModelRequest) and any(
            isinstance(p, UserPromptPart) for p in messages[-1].parts
        ):
            yield {
                0: DeltaToolCall(
                    name="test_push_workout", json_args='{"date": "2026-10-21"}', tool_call_id="a"
                ),
                1: DeltaToolCall(
                    name="test_push_workout", json_args='{"date": "2026-10-22"}', tool_call_id="b"
                ),
            }
            return
        yield f"{len(_answered(messages))} handled."

    model = FunctionModel(stream_function=two)
    first = await collect(
        stream(runner, None, "push both", session=db, model=model, checkpointer=checkpointer)
    )
    thread = first[0].thread_id
    assert first[-1].approval_id == "a"
    second = await collect(
        stream(
            runner,
            thread,
            ApprovalDecision(approval_id="a", approved=False),
            session=db,
            model=model,
            checkpointer=checkpointer,
        )
    )
    assert types(second)[-1] == "approval_required" and second[-1].approval_id == "b" and PUSHED == []
    third = await collect(
        stream(
            runner,
            thread,
            ApprovalDecision(approval_id="b", approved=True),
            session=db,
            model=model,
            checkpointer=checkpointer,
        )
    )
    assert types(third)[-1] == "message_done" and third[-1].text == "2 handled."
    assert [(runner.id, "2026-10-22")] == PUSHED


async def test_the_checkpoint_check_answers_what_the_state_snapshot_says(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver, push_tool: str
) -> None:
    """`waiting_approval` reads the pending writes directly; it must name the same approval (or none) as
    LangGraph's own `aget_state(...).interrupts` at every point of a thread: no checkpoint yet, waiting for
    the first of two approvals, for the second, after the last one, and after a new message declined one."""
    graph = graph_for(checkpointer)

    async def both(thread: str) -> tuple[Any, Any]:
        snapshot = await graph.aget_state({"configurable": {"thread_id": thread}})
        return await waiting_approval(checkpointer, thread), stream_module._waiting(snapshot)

    async def two(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        if isinstance(messages[-1], ModelRequest) and any(
            isinstance(p, UserPromptPart) for p in messages[-1].parts
        ):
            if "push" not in str(messages[-1].parts[-1].content):
                yield "Noted."
                return
            yield {
                0: DeltaToolCall(name="test_push_workout", json_args='{"date": "2026-10-21"}'),
                1: DeltaToolCall(name="test_push_workout", json_args='{"date": "2026-10-22"}'),
            }
            return
        yield f"{len(_answered(messages))} handled."

    model = FunctionModel(stream_function=two)

    async def turn(message: Any, thread: Any) -> list[Any]:
        return await collect(
            stream(runner, thread, message, session=db, model=model, checkpointer=checkpointer)
        )

    assert await both("00000000-0000-4000-8000-000000000021") == (None, None)
    first = await turn("push both", None)
    thread = first[0].thread_id
    new, old = await both(thread)
    assert new == old and new is not None and new["approval_id"] == first[-1].approval_id
    second = await turn(ApprovalDecision(approval_id=first[-1].approval_id, approved=False), thread)
    new, old = await both(thread)
    assert new == old and new is not None and new["approval_id"] == second[-1].approval_id
    third = await turn(ApprovalDecision(approval_id=second[-1].approval_id, approved=True), thread)
    assert types(third)[-1] == "message_done" and await both(thread) == (None, None)
    fourth = await turn("push both again", thread)
    assert await both(thread) == (fourth[-1].model_dump(exclude={"type"}),) * 2
    fifth = await turn("never mind", thread)
    assert types(fifth)[-1] == "message_done" and await both(thread) == (None, None)


async def test_a_turn_reads_its_threads_checkpoint_from_the_database_once(
    db: AsyncSession,
    runner: User,
    checkpointer: AsyncPostgresSaver,
    push_tool: str,
    monkeypatch: Any,
) -> None:
    """The approval check's read is the run's too (`TurnSaver`): one read per turn of an existing thread
    (it was two), through a new message, an approval and its resume; nothing read for a turn is used after
    it (the state snapshot after each turn is the new checkpoint)."""
    reads: list[str] = []
    database_read = AsyncPostgresSaver.aget_tuple

    async def counted(self: AsyncPostgresSaver, config: Any) -> Any:
        reads.append(config["configurable"]["thread_id"])
        return await database_read(self, config)

    monkeypatch.setattr(AsyncPostgresSaver, "aget_tuple", counted)
    graph = graph_for(checkpointer)
    first = await _ask(db, runner, checkpointer, "hello")
    thread = first[0].thread_id
    steps = [
        "push tomorrow's workout to my watch",  # ends waiting for an approval
        None,  # the approval
        "thanks",
    ]
    for step in steps:
        before = await graph.aget_state({"configurable": {"thread_id": thread}})
        reads.clear()
        if step is None:
            approval = (await waiting_approval(checkpointer, thread)) or {}
            reads.clear()
            step = ApprovalDecision(approval_id=approval["approval_id"], approved=True)
        events = await _ask(db, runner, checkpointer, step, thread)
        assert reads == [thread], f"{step!r}: {len(reads)} checkpoint reads"
        after = await graph.aget_state({"configurable": {"thread_id": thread}})
        assert after.config != before.config, "the snapshot after the turn is the turn's new checkpoint"
        assert types(events)[-1] in ("approval_required", "message_done")
    assert [(runner.id, "2026-10-21")] == PUSHED
