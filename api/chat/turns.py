"""Chat turns as tasks of the api process, not of the HTTP response that asked for them.

`TurnRunner.start()` takes the thread (one turn per thread at a time, across replicas: `ChatBuffer.begin`),
starts the turn as its own asyncio task, and returns once the turn has started — or raises the `CoachError`
for a turn the agent refused before starting (a decision for an approval that is not waiting, …), so the
route can answer it as an HTTP error. The task runs `agent.stream` in its own unit of work
(`session_scope`: the request's session is closed long before a streamed body ends) and writes every event to
the thread's Redis buffer; responses and reconnects read from there. So a client that goes away changes
nothing: the turn finishes and is saved.

Every turn ends with a final event in the buffer, whatever happens:
- past `chat_turn_timeout_s` (waiting for a free slot included): `error` (`timeout`);
- the process shuts down and the turn outlives the grace period (`close()`, `chat_shutdown_grace_s`): `error`
  (`interrupted`). Within it the turn simply finishes: its clients' streams were ended when the server
  stopped (`api.chat.sse`) and they follow the rest from the buffer on another replica;
- an unexpected failure: `error` (`internal`).
In these cases the athlete's message and what the coach said so far are saved as the turn's messages.
A short Redis outage (a restart) does not end a turn: writing an event to the buffer is retried for up to
`REDIS_OUTAGE_S`, and the turn goes on once Redis is back (clients reconnect with Last-Event-ID).
At most `chat_max_concurrent_turns` turns run at once per process, at most `chat_max_turns_per_user` of them
one user's; the others wait for a slot, shared fairly between users (`api.chat.fair`), and their clients
get a `turn_started` with their place in the queue at once. The slots are sized for turns that wait on a
remote model; of the running turns, at most `chat_max_computing_turns` compute at once (`agent.compute`: a
turn waiting for a remote model gives its permit back), and a turn waiting for a permit is told so at once
the same way.
Events go to the buffer in order, through one writer per turn: an event is written at once when no write is
on its way; what the agent yields while one is goes with the next, in one pipeline (`ChatBuffer.append`),
adjacent text deltas joined. Nothing waits to gather beyond the write in flight: an instant answer (the
offline coach) still reaches the browser in several writes, so it is seen streaming (the web e2e's mid-stream
step); a model that streams many small deltas while a write is on its way has them joined.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass, field
from functools import partial
from typing import cast

from redis import exceptions as redis_exc

from agent.compute import ComputeGate, Permit
from agent.events import (
    FINAL_EVENT_TYPES,
    ApprovalDecision,
    CoachEvent,
    ErrorEvent,
    TextDelta,
    TurnStarted,
)
from agent.stream import stream
from agent.threads import add_message, get_thread, title_from_message
from api.chat.buffer import REDIS_OUTAGE_S, ChatBuffer
from api.chat.fair import FairSlots
from core import errors
from core.database import session_scope
from core.metrics import CHAT_FIRST_EVENT, CHAT_TURN
from core.models import User
from core.settings import Settings

log = logging.getLogger(__name__)

__all__ = ["Started", "TurnRunner", "error_for"]


BUSY = (
    "The coach is busy with other conversations and could not start on yours in time. Send your message "
    "again in a minute."
)
TIMED_OUT = (
    "The coach took too long to answer and stopped. What it said so far is kept; send your message again."
)
SHUTTING_DOWN = "The server restarted while the coach was answering. What it said so far is kept; ask again."
INTERNAL = (
    "Something went wrong on our side while answering. Try again; if it keeps happening, the details are in "
    "the server log."
)
STILL_ANSWERING = (
    "The coach is still answering in this conversation. Wait for it to finish (follow it at GET "
    "/api/v1/chat/threads/{id}/events), then send your message again."
)

_ERRORS: dict[str, type[errors.CoachError]] = {
    cls.code: cls
    for cls in (
        errors.InvalidInput,
        errors.NotFound,
        errors.Conflict,
        errors.Unauthorized,
        errors.Forbidden,
        errors.ServiceUnavailable,
        errors.IntegrationError,
        errors.ReauthRequired,
    )
}


def error_for(event: ErrorEvent) -> errors.CoachError:
    """The `CoachError` (and so the HTTP status) for a turn the agent refused before it started."""
    cls = _ERRORS.get(event.code)
    if cls is None:
        cls = errors.ServiceUnavailable if event.retryable else errors.CoachError
    return cls(event.message, details={"code": event.code})


@dataclass(frozen=True)
class Started:
    """A running turn: read its events from the buffer after `cursor`."""

    thread_id: uuid.UUID
    turn: str
    cursor: str


@dataclass
class _Progress:
    thread_id: uuid.UUID
    turn: str
    cursor: str
    user: User
    message: str | ApprovalDecision
    requested_at: float
    first: asyncio.Future[ErrorEvent | None]
    title: str | None = None
    started: bool = False  # something was published (the turn is no longer refusable as an HTTP error)
    ending: bool = False  # a final event is being written (it releases the lock)
    final: bool = False
    text: list[str] = field(default_factory=list)
    recorded: list[CoachEvent] = field(default_factory=list)  # the non-text events, for `_save_failed`
    outbox: list[CoachEvent] = field(default_factory=list)  # published, not yet written to the buffer
    writer: asyncio.Task[None] | None = None  # writing the outbox, one pipeline per batch
    announced: bool = False  # the buffer knows the turn (its first batch went with `start`)


class TurnRunner:
    """Runs chat turns of one api process (created with the app, closed by its lifespan)."""

    def __init__(self, buffer: ChatBuffer, settings: Settings) -> None:
        self.buffer = buffer
        self.settings = settings
        self.slots = FairSlots(settings.chat_max_concurrent_turns, settings.chat_max_turns_per_user)
        self.gate = ComputeGate(settings.chat_max_computing_turns)
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def start(
        self,
        user: User,
        thread_id: uuid.UUID,
        message: str | ApprovalDecision,
        *,
        title: str | None = None,
    ) -> Started:
        """Start a turn of `thread_id` (the caller checked that it is `user`'s; `title`: the thread's, for
        a `turn_started` sent while the turn waits); see the module docstring.

        Conflict when a turn is already running on the thread; the agent's refusal, as a CoachError, when it
        refuses the turn before starting it (a turn that had to wait for a slot has answered already: its
        refusal is its stream's `error` event)."""
        if self._closing:
            raise errors.ServiceUnavailable("The server is restarting. Send your message again in a moment.")
        turn = uuid.uuid4().hex
        cursor = await self.buffer.begin(thread_id, turn)
        if cursor is None:
            raise errors.Conflict(STILL_ANSWERING.format(id=thread_id))
        loop = asyncio.get_running_loop()
        progress = _Progress(
            thread_id=thread_id,
            turn=turn,
            cursor=cursor,
            user=user,
            message=message,
            requested_at=time.monotonic(),
            first=loop.create_future(),
            title=title or (title_from_message(message) if isinstance(message, str) else None),
        )
        task = asyncio.create_task(self._run(progress), name=f"chat-turn-{thread_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        # shielded: a client that leaves while the turn starts does not stop the turn
        refused = await asyncio.shield(progress.first)
        if refused is not None:
            raise error_for(refused)
        return Started(thread_id=thread_id, turn=turn, cursor=cursor)

    async def idle(self) -> None:
        """Until every turn started so far has ended (its task, not only its final event: releasing the
        thread comes after it)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def close(self, grace_s: float = 10.0, cleanup_s: float = 10.0) -> None:
        """Stop taking turns; give running ones `grace_s` to finish, then cancel them and give them
        `cleanup_s` to end with a final event and be saved."""
        self._closing = True
        tasks = set(self._tasks)
        if not tasks:
            return
        log.info("stopping: waiting up to %.0f s for %d running chat turn(s) to finish", grace_s, len(tasks))
        _, pending = await asyncio.wait(tasks, timeout=grace_s)
        for task in pending:
            task.cancel()
        if pending:
            log.warning(
                "stopping: %d chat turn(s) did not finish in time; ending them as interrupted", len(pending)
            )
            await asyncio.wait(pending, timeout=cleanup_s)
        else:
            log.info("stopping: every chat turn finished")

    # --- the task ---------------------------------------------------------------------------------------

    async def _run(self, p: _Progress) -> None:
        keeper = asyncio.create_task(self._keep(p))
        outcome = "internal"
        try:
            async with asyncio.timeout(self.settings.chat_turn_timeout_s):
                async with (
                    self.slots.slot(p.user.id, queued=partial(self._queued, p)),
                    self.gate.permit(queued=partial(self._queued, p)) as permit,
                ):
                    outcome = await self._drive(p, permit)
        except TimeoutError:
            outcome = "timeout"
            await self._end_badly(p, ErrorEvent(code="timeout", message=TIMED_OUT, retryable=True))
        except asyncio.CancelledError:
            outcome = "interrupted"
            await self._end_badly(p, ErrorEvent(code="interrupted", message=SHUTTING_DOWN, retryable=True))
            raise
        except Exception:
            log.exception("chat turn failed")
            await self._end_badly(p, ErrorEvent(code="internal", message=INTERNAL, retryable=True))
        finally:
            keeper.cancel()
            if not p.first.done():
                p.first.set_result(ErrorEvent(code="service_unavailable", message=BUSY, retryable=True))
            if not p.final:  # a written final event released the thread with it
                with contextlib.suppress(Exception):
                    await self.buffer.end(p.thread_id, p.turn)
            CHAT_TURN.labels(outcome=outcome).observe(time.monotonic() - p.requested_at)

    async def _queued(self, p: _Progress, place: int) -> None:
        """The turn waits for a slot or a compute permit: tell its client at once (the HTTP response starts
        streaming), once."""
        if p.started:
            return
        started = TurnStarted(
            thread_id=str(p.thread_id),
            title=p.title,
            resumed=isinstance(p.message, ApprovalDecision),
            queued=place,
        )
        await self._publish(p, started)
        self._answered(p)

    def _answered(self, p: _Progress) -> None:
        if not p.first.done():
            CHAT_FIRST_EVENT.observe(time.monotonic() - p.requested_at)
            p.first.set_result(None)

    async def _drive(self, p: _Progress, permit: Permit) -> str:
        """Run the agent's turn into the buffer; the outcome (the final event's type or code)."""
        outcome = "incomplete"
        redis = self.buffer.redis
        async with session_scope() as session:
            events = cast(
                AsyncGenerator[CoachEvent, None],
                stream(
                    p.user,
                    p.thread_id,
                    p.message,
                    session=session,
                    redis=redis,
                    settings=self.settings,
                    permit=permit,
                ),
            )
            async with aclosing(events):
                async for event in events:
                    if not p.started and isinstance(event, ErrorEvent):
                        p.first.set_result(event)  # refused before starting: nothing was saved
                        return "refused"
                    await self._publish(p, event)
                    self._answered(p)
                    if event.type in FINAL_EVENT_TYPES:
                        outcome = event.type if event.type != "error" else getattr(event, "code", "error")
        if not p.final:
            # the agent's stream always ends with a final event; if it ever does not, say so
            await self._end_badly(p, ErrorEvent(code="internal", message=INTERNAL, retryable=True))
        return outcome

    async def _publish(self, p: _Progress, event: CoachEvent) -> None:
        """Queue one event for the buffer. Events are written in order by one writer per turn, each batch
        in one pipeline: an event is written at once when the writer is idle; what arrives while a batch is
        on its way goes with the next batch. A final event returns once it is written."""
        final = event.type in FINAL_EVENT_TYPES
        p.ending = p.ending or final
        _raise_failed_write(p)
        p.started = True
        p.outbox.append(event)
        if event.type == "text_delta":
            p.text.append(getattr(event, "text", ""))
        elif event.type != "turn_started":
            p.recorded.append(event)
        if p.writer is None:
            p.writer = asyncio.create_task(self._write(p), name=f"chat-turn-writer-{p.turn}")
        if final:
            await p.writer
            p.writer = None
            p.final = True

    async def _write(self, p: _Progress) -> None:
        while p.outbox:
            batch, p.outbox = p.outbox, []
            await self._append(p, _joined(batch))

    async def _append(self, p: _Progress, batch: list[CoachEvent]) -> None:
        """Buffer a batch of events, riding out a Redis restart of up to `REDIS_OUTAGE_S`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REDIS_OUTAGE_S
        wait = 0.1
        while True:
            try:
                await self.buffer.append(
                    p.thread_id,
                    p.turn,
                    *batch,
                    start=None if p.announced else p.cursor,
                    runs_ms=int(self.settings.chat_turn_timeout_s * 1000),
                )
                p.announced = True
                return
            except (redis_exc.ConnectionError, redis_exc.TimeoutError) as exc:
                if loop.time() + wait > deadline:
                    raise
                log.warning("chat turn %s: Redis is not answering (%s); retrying in %.1fs", p.turn, exc, wait)
                await asyncio.sleep(wait)
                wait = min(1.0, wait * 2)

    async def _keep(self, p: _Progress) -> None:
        """Refresh the thread's lock while the turn runs (so a dead replica frees it quickly)."""
        every = max(0.5, self.buffer.lock_ttl_ms / 3000)
        while True:
            await asyncio.sleep(every)
            if p.ending:  # the final event releases the lock
                return
            try:
                if not await self.buffer.keep(p.thread_id, p.turn):
                    log.warning("chat turn %s lost its lock on thread %s", p.turn, p.thread_id)
            except Exception:
                log.warning("could not refresh the lock of chat turn %s", p.turn, exc_info=True)

    async def _end_badly(self, p: _Progress, error: ErrorEvent) -> None:
        """End a turn the agent could not end: the final error in the buffer, and the turn saved."""
        if not p.started:
            if not p.first.done():
                p.first.set_result(error)
            return
        if p.final:
            return
        try:  # saved before the final event, as the agent does
            await self._save_failed(p, error)
        except Exception:
            log.exception("could not save the failed chat turn %s", p.turn)
        try:
            await self._publish(p, error)
        except Exception:
            log.exception("could not buffer the end of chat turn %s", p.turn)

    async def _save_failed(self, p: _Progress, error: ErrorEvent) -> None:
        async with session_scope() as session:
            user = await session.get(User, p.user.id)
            if user is None:
                return
            conversation = await get_thread(session, user, p.thread_id)
            if isinstance(p.message, str):
                await add_message(session, conversation, role="user", content=p.message.strip(), touch=False)
            await add_message(
                session,
                conversation,
                role="assistant",
                content="".join(p.text),
                events=[event.model_dump(mode="json") for event in [*p.recorded, error]],
            )


def _joined(batch: list[CoachEvent]) -> list[CoachEvent]:
    """The batch with adjacent text deltas joined into one (pieces of the answer, to concatenate either way:
    one buffer entry, one SSE event instead of several)."""
    joined: list[CoachEvent] = []
    for event in batch:
        last = joined[-1] if joined else None
        if isinstance(event, TextDelta) and isinstance(last, TextDelta):
            joined[-1] = TextDelta(text=last.text + event.text)
        else:
            joined.append(event)
    return joined


def _raise_failed_write(p: _Progress) -> None:
    """Forget the turn's finished writer; raise what made it fail (a Redis outage it could not ride out)."""
    writer = p.writer
    if writer is None or not writer.done():
        return
    p.writer = None
    if not writer.cancelled() and (failed := writer.exception()) is not None:
        raise failed
