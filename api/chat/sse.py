"""A thread's buffered events as a `text/event-stream` response (sse-starlette).

Each CoachEvent is one SSE event: `id` is its buffer id (monotonic per thread: send it back as
`Last-Event-ID` to resume), `event` its type (`turn_started`, `text_delta`, `tool_call`, `tool_result`,
`citation`, `grounding_warning`, `approval_required`, `message_done`, `error`), `data` its JSON. The stream
ends after the turn's final event (`message_done`, `approval_required` or `error`). Comment lines
(`: ping …`) keep proxies from closing a quiet connection. A Redis restart mid-stream is waited out (up to
`REDIS_OUTAGE_S`) and the stream goes on after the last event sent; past that it ends without a final event
and the client resumes with `Last-Event-ID`.

When the api process stops (SIGTERM: `api.server`), sse-starlette sets each response's shutdown event; the
stream then ends cleanly at once — the last chunk of the response, no final event — while the turn itself
goes on writing to the buffer (`TurnRunner.close` gives it a grace period). The client sees an ordinary end
without a final event and resumes with `Last-Event-ID`, through the load balancer, on another replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import TypeVar, cast

import anyio
from redis import exceptions as redis_exc
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from api.chat.buffer import REDIS_OUTAGE_S, BufferedEvent, ChatBuffer
from core.settings import Settings

__all__ = ["RECONNECT_MS", "SHUTDOWN_GRACE_S", "StartingStream", "event_stream", "longest_stream_s"]

log = logging.getLogger(__name__)

#: how long a browser's EventSource waits before reconnecting
RECONNECT_MS = 2000
#: beyond the turn deadline, how long a reader waits for a final event before giving up on its own
_READER_SLACK_S = 60.0
#: after the process is told to stop, how long sse-starlette lets a stream end on its own before cancelling it
#: (ours end at once; a cancelled one would cut the response without its last chunk)
SHUTDOWN_GRACE_S = 5.0

T = TypeVar("T")


def longest_stream_s(settings: Settings) -> float:
    """An upper bound on how long one response streams: its reader's deadline, a Redis outage it waits out,
    and slack (an open-stream slot lapses after this: `api.chat.streams`)."""
    return settings.chat_turn_timeout_s + _READER_SLACK_S + REDIS_OUTAGE_S + 60.0


async def _until_stopped(stop: anyio.Event, source: AsyncIterator[T]) -> AsyncIterator[T]:
    """`source`'s items until it ends or `stop` is set (then the pending read is cancelled)."""
    stopping = asyncio.ensure_future(stop.wait())
    pending: asyncio.Future[T] | None = None
    try:
        while not stop.is_set():
            pending = asyncio.ensure_future(anext(source))
            await asyncio.wait({pending, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not pending.done():
                return  # stopping: the read is cancelled below
            try:
                item = pending.result()
            except StopAsyncIteration:
                return
            pending = None
            yield item
    finally:
        stopping.cancel()
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pending


async def _events(
    buffer: ChatBuffer,
    thread_id: uuid.UUID,
    cursor: str,
    turn: str | None,
    settings: Settings,
    stop: anyio.Event,
    on_close: Callable[[], Awaitable[None]] | None,
) -> AsyncIterator[ServerSentEvent]:
    try:
        async for item in _stream(buffer, thread_id, cursor, turn, settings, stop):
            yield item
    finally:
        if on_close is not None:
            with anyio.CancelScope(shield=True):  # a client that left cancels the stream, not the clean-up
                try:
                    await on_close()
                except Exception:
                    log.warning("could not release the stream of %s", thread_id, exc_info=True)


async def _stream(
    buffer: ChatBuffer,
    thread_id: uuid.UUID,
    cursor: str,
    turn: str | None,
    settings: Settings,
    stop: anyio.Event,
) -> AsyncIterator[ServerSentEvent]:
    first = True
    loop = asyncio.get_running_loop()
    outage_since: float | None = None
    while True:
        try:
            events = cast(
                AsyncGenerator[BufferedEvent, None],
                buffer.follow(
                    thread_id, cursor, turn=turn, max_s=settings.chat_turn_timeout_s + _READER_SLACK_S
                ),
            )
            async with aclosing(events):
                async for event in _until_stopped(stop, events):
                    outage_since = None
                    yield ServerSentEvent(
                        data=event.data,
                        event=event.type,
                        id=event.id or None,
                        retry=RECONNECT_MS if first else None,
                    )
                    first = False
                    cursor = event.id or cursor
            if stop.is_set():
                log.info("chat stream of %s ended after %s: the server is stopping", thread_id, cursor)
            return
        except (redis_exc.ConnectionError, redis_exc.TimeoutError) as exc:
            outage_since = outage_since or loop.time()
            if loop.time() - outage_since > REDIS_OUTAGE_S:
                log.warning("chat stream of %s: Redis is away (%s); the client resumes", thread_id, exc)
                return
            await asyncio.sleep(0.5)


class StartingStream(Response):
    """A response that makes its real response (`start()`: start a turn, return its event stream) only when
    it is sent, so after the request's unit of work has ended (FastAPI's function-scoped dependencies end
    before the response is sent) and its database connection is back in the pool: a turn that waits for a
    slot, or for a connection itself, never waits on the connection of the request that asked for it.
    An error `start()` raises is answered like one raised by the endpoint (nothing has been sent yet)."""

    def __init__(self, start: Callable[[], Awaitable[Response]]) -> None:
        super().__init__(media_type="text/event-stream")
        self._start = start

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._start()
        response.background = self.background
        await response(scope, receive, send)


def event_stream(
    buffer: ChatBuffer,
    thread_id: uuid.UUID,
    cursor: str,
    *,
    turn: str | None,
    settings: Settings,
    on_close: Callable[[], Awaitable[None]] | None = None,
) -> EventSourceResponse:
    """The response streaming `thread_id`'s events after `cursor` (see `ChatBuffer.follow` for `turn`);
    `on_close` is awaited once the stream ends, however it ends (the client left, the server stops, …)."""
    stop = anyio.Event()
    return EventSourceResponse(
        _events(buffer, thread_id, cursor, turn, settings, stop, on_close),
        ping=settings.chat_heartbeat_s,
        send_timeout=30,
        headers={"Cache-Control": "no-store"},
        shutdown_event=stop,
        shutdown_grace_period=SHUTDOWN_GRACE_S,
    )
