"""`stream()`: the one entry point every surface uses to talk to the coach.

    async for event in stream(user, thread_id, "how was my last run?"):
        ...

Contract
--------
`stream(user, thread_id, message)` runs one turn of a thread and yields `CoachEvent`s (`agent.events`), each a
pydantic model with a `type`:

1. `turn_started` (thread_id, title, resumed, queued) — always first. `thread_id=None` starts a new thread; an
   unknown id creates the thread with that id for this user. A surface that queues turns (the api's
   `TurnRunner`) sends one at once with `queued` (the turn's place in the queue) when the turn has to wait
   before it starts; the one `stream` yields when the turn runs has `queued` null.
2. any number of, in the order they happen:
   - `text_delta` (text) — pieces of the answer, to concatenate;
   - `tool_call` (call_id, name, arguments) — a tool started;
   - `tool_result` (call_id, name, ok, summary, data, error) — it finished (`ok=false` with `error` when it
     failed: a tool failure is an event, never the end of the stream);
   - `citation` (source, title, heading_path, call_id) — a knowledge passage the answer may cite;
   - `grounding_warning` (figures, message) — figures in the answer found in no tool result or retrieved text
     of this turn (sent after the answer text); `message_done`'s text then carries "⚠" after each of them.
     A real model's answer with such figures is first rewritten once by the model against the evidence:
     `message_done.text` is then that rewrite, which replaces the streamed deltas.
3. exactly one final event, after which the stream ends:
   - `message_done` (message_id, text, model, usage) — the turn is complete;
   - `approval_required` (approval_id, tool, what, why, arguments) — the coach wants to run a tool with
     effects outside RunCoach; nothing has run. Continue the turn with `stream(user, thread_id,
     ApprovalDecision(approval_id=…, approved=True|False))`: approved runs the tool exactly once with exactly
     these arguments, declined never runs it. Sending a new text message instead declines it and answers the
     new message;
   - `error` (code, message, retryable) — what went wrong and what the athlete can do; for example a thread
     that is not this user's (`not_found`), a decision for an approval that is not waiting (`conflict`), no
     model answering (`model_unavailable`), a model reply that could not be used (`model_error`).

Before the final event the turn is saved: the athlete's message and the coach's reply (text, non-text events,
model, token usage) are committed to `messages`, and the graph state to the thread's PostgreSQL checkpoint.

`stream` is the unit of work of a turn: given a `session`, it commits that session (tools' writes included);
without one it opens its own. Two turns on one thread at once: the second gets `error` (`conflict`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack
from datetime import datetime
from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.pregel._task_status import read_task_statuses  # how LangGraph reads a step's writes
from langgraph.types import Command
from pydantic_ai.models import Model
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction

from agent.checkpoint import TurnSaver, get_checkpointer, keep_for_turn
from agent.compute import Permit, gated, runs_here
from agent.events import (
    ApprovalDecision,
    ApprovalRequired,
    CoachEvent,
    ErrorEvent,
    MessageDone,
    TextDelta,
    TurnStarted,
    Usage,
)
from agent.graph import build_graph, describe_error
from agent.grounding import mark_figures
from agent.models import build_model
from agent.state import TurnContext, turn_input
from agent.threads import add_message, check_message, claim_thread, create_thread, open_thread
from core.database import get_sessionmaker
from core.errors import CoachError, Conflict, ServiceUnavailable
from core.metrics import MODEL_ERRORS, MODEL_TOKENS
from core.models import Conversation, User
from core.settings import Settings, get_settings
from tools.deps import ToolDeps
from tools.registry import ToolSpec, all_tools

log = logging.getLogger(__name__)

__all__ = ["ApprovalDecision", "CoachEvent", "graph_for", "stream", "waiting_approval"]

_graphs: dict[int, tuple[BaseCheckpointSaver[Any], CompiledStateGraph[Any, Any, Any, Any]]] = {}


def graph_for(checkpointer: BaseCheckpointSaver[Any]) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The compiled graph on `checkpointer` (compiled once per checkpointer)."""
    cached = _graphs.get(id(checkpointer))
    if cached is None or cached[0] is not checkpointer:
        cached = (checkpointer, build_graph(checkpointer))
        _graphs[id(checkpointer)] = cached
    return cached[1]


async def stream(
    user: User,
    thread_id: uuid.UUID | str | None,
    message: str | ApprovalDecision,
    *,
    session: AsyncSession | None = None,
    redis: Redis | None = None,
    model: Model | None = None,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
    channel: str = "web",
    clients: dict[str, Any] | None = None,
    permit: Permit | None = None,
) -> AsyncIterator[CoachEvent]:
    """Run one turn of `thread_id` for `user` and yield its events (the module docstring is the contract).

    `permit`: the turn's place in a `ComputeGate`, given back while it waits for a remote model."""
    settings = settings or get_settings()
    if checkpointer is None:
        # before any transaction of ours is open: a first-ever checkpointer setup creates indexes
        # CONCURRENTLY, which waits for every open transaction to end
        try:
            checkpointer = await get_checkpointer()
        except Exception:
            log.exception("the checkpointer is not available")
            yield ErrorEvent(
                code="service_unavailable",
                message="The conversation store is not ready. Run `runcoach migrate`, then try again.",
                retryable=True,
            )
            return
    async with AsyncExitStack() as stack:
        db = session if session is not None else await stack.enter_async_context(get_sessionmaker()())
        turn = _Turn(
            permit=permit,
            db=db,
            user=user,
            settings=settings,
            redis=redis,
            model=model,
            checkpointer=checkpointer,
            now=now,
            channel=channel,
            clients=clients or {},
        )
        async for event in turn.run(thread_id, message):
            yield event


class _Turn:
    def __init__(
        self,
        *,
        db: AsyncSession,
        user: User,
        settings: Settings,
        redis: Redis | None,
        model: Model | None,
        checkpointer: BaseCheckpointSaver[Any] | None,
        now: datetime | None,
        channel: str,
        clients: dict[str, Any],
        permit: Permit | None = None,
    ) -> None:
        self.permit = permit
        self.db = db
        self.user_id = user.id
        self.settings = settings
        self.redis = redis
        self.model = model
        self.checkpointer = checkpointer
        self.now = now
        self.channel = channel
        self.clients = clients
        self.specs: list[ToolSpec] = []
        self.recorded: list[dict[str, Any]] = []
        self.text: list[str] = []

    async def run(
        self, thread_id: uuid.UUID | str | None, message: str | ApprovalDecision
    ) -> AsyncIterator[CoachEvent]:
        kept = keep_for_turn()  # the checkpoint `_prepare` reads, for the run's own first read
        try:
            async for event in self._run(thread_id, message):
                yield event
        finally:
            kept.clear()

    async def _run(
        self, thread_id: uuid.UUID | str | None, message: str | ApprovalDecision
    ) -> AsyncIterator[CoachEvent]:
        try:
            prepared = await self._prepare(thread_id, message)
        except CoachError as exc:
            yield ErrorEvent(code=exc.code, message=exc.message, retryable=exc.retryable)
            return
        user, conversation, graph, config, graph_input, text = prepared

        yield TurnStarted(
            thread_id=str(conversation.id),
            title=conversation.title,
            resumed=isinstance(message, ApprovalDecision),
        )
        tool_deps = ToolDeps.for_user(
            self.db, user, now=self.now, redis=self.redis, settings=self.settings, for_model=True
        )
        tool_deps.clients.update(self.clients)
        model = self.model or build_model(self.settings)
        # the nodes' events come straight to this queue (`TurnContext.emit`), not through LangGraph's
        # "custom" stream mode: one task runs the graph, instead of LangGraph's machinery waking this
        # generator for every event (a model's every delta) from another thread's call
        events: asyncio.Queue[CoachEvent | None] = asyncio.Queue()
        context = TurnContext(
            tools=tool_deps,
            model=gated(model, self.permit) if self.permit and not runs_here(model) else model,
            specs=self.specs,
            emit=events.put_nowait,
            max_requests=self.settings.agent_max_model_requests,
            history_messages=self.settings.agent_history_messages,
        )
        updates: list[dict[str, Any]] = []

        async def run_graph() -> None:
            try:
                async for chunk in graph.astream(
                    graph_input,
                    config,
                    context=context,
                    stream_mode="updates",
                    durability=_durability(message),
                ):
                    if isinstance(chunk, dict):
                        updates.append(chunk)
            finally:
                events.put_nowait(None)  # the end, however it ended

        outcome: dict[str, Any] = {}
        pending: dict[str, Any] | None = None
        # the turn's own work (what its tools write, the jobs they queue) in a savepoint: a failed turn
        # rolls it back and keeps only the athlete's message and the error
        work = await self.db.begin_nested()
        try:
            graph_run = asyncio.create_task(run_graph(), name=f"coach-turn-{conversation.id}")
            try:
                while (event := await events.get()) is not None:
                    if isinstance(event, TextDelta):
                        self.text.append(event.text)
                    else:
                        self.recorded.append(event.model_dump(mode="json"))
                    yield event
                await graph_run  # raises what made the run fail
            finally:
                if not graph_run.done():  # this generator was closed or cancelled: so is the run
                    graph_run.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await graph_run
            for chunk in updates:
                for node, update in chunk.items():
                    if node == "__interrupt__":
                        pending = _waiting(_Interrupts(update)) or pending
                    elif isinstance(update, dict) and "outcome" in update:
                        outcome = dict(update["outcome"] or {})
        except Exception as exc:
            log.exception("coach turn failed")
            failure = ErrorEvent(**describe_error(exc))
            MODEL_ERRORS.labels(failure.code).inc()
            async for event in self._fail(conversation, failure, text, work):
                yield event
            return

        if outcome.get("error"):
            error = ErrorEvent(**outcome["error"])
            MODEL_ERRORS.labels(error.code).inc()
            async for event in self._fail(conversation, error, text, work):
                yield event
            return
        await work.commit()
        if pending is not None:
            approval = ApprovalRequired(**pending)
            await self._save(conversation, final_event=approval)
            yield approval
            return
        usage = Usage(**(outcome.get("usage") or {}))
        model_name = str(outcome.get("model") or "unknown")
        MODEL_TOKENS.labels(model_name, "input").inc(usage.input_tokens or 0)
        MODEL_TOKENS.labels(model_name, "output").inc(usage.output_tokens or 0)
        # a repaired answer replaces the streamed one; figures still not traced are marked inside it
        repaired = (outcome.get("repaired") or {}).get("text")
        self.text = [mark_figures(repaired or "".join(self.text), outcome.get("ungrounded") or [])]
        row = await self._save(conversation, model=outcome.get("model"), usage=usage)
        yield MessageDone(message_id=row, text=self.text[0], model=outcome.get("model"), usage=usage)

    async def _prepare(
        self, thread_id: uuid.UUID | str | None, message: str | ApprovalDecision
    ) -> tuple[User, Conversation, Any, Any, Any, str | None]:
        """Check the message and the thread, record the athlete's input, and choose the graph's input.

        Every check comes before the first write, so a refused turn leaves nothing behind (and the caller's
        session usable) without a savepoint of its own."""
        text = None if isinstance(message, ApprovalDecision) else check_message(message)
        try:
            self.specs = all_tools()
        except Exception as exc:
            log.exception("a tool module failed to load")
            raise ServiceUnavailable(
                "A tool module failed to load, so the coach cannot answer now; the details are in the "
                "server log."
            ) from exc
        self.model = self.model or build_model(self.settings)  # a misconfigured provider says what to set
        # the account, the owner check and the thread's lock in one round trip
        tid = thread_id if thread_id is not None else uuid.uuid4()
        user, existing = await claim_thread(self.db, self.user_id, tid)
        checkpointer = self.checkpointer or await get_checkpointer()
        graph = graph_for(checkpointer)
        # a thread that does not exist yet has no checkpoint to read; one that does is read once per turn
        waiting = None
        if existing is not None:
            waiting = await waiting_approval(checkpointer, existing.id, keep=True)
        if isinstance(message, ApprovalDecision) and (
            waiting is None or waiting.get("approval_id") != message.approval_id
        ):
            raise Conflict(
                "Nothing is waiting for that approval in this conversation; it may have been answered "
                "already. Ask the coach again if you still want it."
            )
        conversation = existing or await create_thread(
            self.db, user, tid, first_message=text, channel=self.channel
        )
        config: Any = {"configurable": {"thread_id": str(conversation.id)}}
        graph_input: Any
        if isinstance(message, ApprovalDecision):
            assert waiting is not None
            graph_input = Command(resume=message.model_dump())
            verb = "Approved" if message.approved else "Declined"
            await add_message(
                self.db,
                conversation,
                role="approval",
                content=f"{verb}: {waiting.get('tool')}" + (f" ({message.note})" if message.note else ""),
                events=[message.model_dump(mode="json")],
                touch=False,  # the answer, stored in this transaction, marks the thread active
            )
        else:
            assert text is not None
            # the answer, stored in this transaction, marks the thread active
            await add_message(self.db, conversation, role="user", content=text, touch=False)
            if waiting is not None:
                graph_input = Command(
                    resume={
                        "approval_id": waiting.get("approval_id"),
                        "approved": False,
                        "note": "the athlete sent a new message instead",
                        "new_message": text,
                    }
                )
            else:
                graph_input = turn_input(text)
        return user, conversation, graph, config, graph_input, text

    async def _save(
        self,
        conversation: Conversation,
        *,
        final_event: CoachEvent | None = None,
        model: str | None = None,
        usage: Usage | None = None,
    ) -> int:
        events = list(self.recorded)
        if final_event is not None:
            events.append(final_event.model_dump(mode="json"))
        row = await add_message(
            self.db,
            conversation,
            role="assistant",
            content="".join(self.text),
            events=events,
            model=model,
            input_tokens=usage.input_tokens if usage else None,
            output_tokens=usage.output_tokens if usage else None,
        )
        await self.db.commit()
        return row.id

    async def _fail(
        self, conversation: Conversation, error: ErrorEvent, text: str | None, work: AsyncSessionTransaction
    ) -> AsyncIterator[CoachEvent]:
        """Save a turn that failed, then end with the error.

        A new message's turn commits nothing of its own work: what its tools wrote is rolled back (so a job
        a tool queued is never sent), and only the athlete's message and the error are saved. A turn resumed
        after an approval keeps what the approved action recorded: it has happened outside RunCoach."""
        conversation_id = conversation.id
        try:
            if text is None:
                await work.commit()
            else:
                await work.rollback()
            await self._save(conversation, final_event=error)
            yield error
            return
        except Exception:
            log.exception("could not save the failed turn; retrying in a fresh transaction")
        await self._rollback()
        try:
            user = await self.db.get(User, self.user_id)
            if user is not None:
                again, _ = await open_thread(self.db, user, conversation_id, first_message=text)
                if text:
                    await add_message(self.db, again, role="user", content=text, touch=False)
                await self._save(again, final_event=error)
        except Exception:
            log.exception("could not save the failed turn")
            await self._rollback()
        yield error

    async def _rollback(self) -> None:
        try:
            await self.db.rollback()
        except Exception:
            log.exception("rollback failed")


def _durability(message: str | ApprovalDecision) -> Literal["sync", "exit"]:
    """How often the turn's graph state is checkpointed.

    One checkpoint, when the run ends or stops at an approval ("exit"), unless the turn runs an approved
    side effect: then after every step ("sync"), so the action is in the checkpoint before the model goes on
    and a crash can never make it run twice. No checkpoint is written between the steps of a turn that runs
    nothing needing approval: if the process dies mid-turn, the turn is lost whole (its database work was
    not committed either) and the thread is as it was before it. astream returns only once the checkpoint
    is written, so it is saved before the final event."""
    approved = isinstance(message, ApprovalDecision) and message.approved
    return "sync" if approved else "exit"


class _Interrupts:
    """The `__interrupt__` update of a stream, read like a state snapshot's `interrupts`."""

    def __init__(self, interrupts: Any) -> None:
        self.interrupts = tuple(interrupts or ())


def _waiting(snapshot: Any) -> dict[str, Any] | None:
    """The approval the thread is waiting for, if any (the first pending interrupt's payload)."""
    return _approval_of(getattr(snapshot, "interrupts", ()) or ())


def _approval_of(interrupts: Iterable[Any]) -> dict[str, Any] | None:
    for item in interrupts:
        value = getattr(item, "value", None)
        if isinstance(value, dict) and "approval_id" in value:
            return value
    return None


async def waiting_approval(
    checkpointer: BaseCheckpointSaver[Any], thread_id: uuid.UUID | str, *, keep: bool = False
) -> dict[str, Any] | None:
    """The approval the thread's latest checkpoint waits for, if any — what `graph.aget_state(config)
    .interrupts` gives, read from the checkpoint's pending writes as LangGraph itself reads them
    (`read_task_statuses`: a task's interrupt waits while the task has no output), without the state
    snapshot `aget_state` builds around it (every channel restored, the next tasks prepared).

    `keep` (a turn's own check): the checkpoint read is kept for the turn's run (`TurnSaver.latest`)."""
    if isinstance(checkpointer, TurnSaver):
        saved = await checkpointer.latest(str(thread_id), keep=keep)
    else:
        saved = await checkpointer.aget_tuple(
            {"configurable": {"thread_id": str(thread_id), "checkpoint_ns": ""}}
        )
    if saved is None or not saved.pending_writes:
        return None
    statuses = read_task_statuses(saved.pending_writes).values()
    return _approval_of(item for status in statuses for item in status.pending_interrupts)
