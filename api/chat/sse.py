"""A thread's buffered events as a `text/event-stream` response (sse-starlette).

Each CoachEvent is one SSE event: `id` is its buffer id (monotonic per thread: send it back as
`Last-Event-ID` to resume), `event` its type (`turn_started`, `text_delta`, `tool_call`, `tool_result`,
`citation`, `grounding_warning`, `approval_required`, `message_done`, `error`), `data` its JSON. The stream
ends after the turn's final event (`message_done`, `approval_required` or `error`). Comment lines
(`: ping …`) keep proxies from closing a quiet connection. A Redis restart mid-stream is waited out (up to
`REDIS_OUTAGE_S`) and the stream goes on after the last event sent; past that it ends without a final event
and the client resumes with `Last-Event-ID`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator

from redis import exceptions as redis_exc
from sse_starlette import EventSourceResponse, ServerSentEvent

from api.chat.buffer import REDIS_OUTAGE_S, ChatBuffer
from core.settings import Settings

__all__ = ["RECONNECT_MS", "event_stream"]

log = logging.getLogger(__name__)

#: how long a browser's EventSource waits before reconnecting
RECONNECT_MS = 2000
#: beyond the turn deadline, how long a reader waits for a final event before giving up on its own
_READER_SLACK_S = 60.0


async def _events(
    buffer: ChatBuffer, thread_id: uuid.UUID, cursor: str, turn: str | None, settings: Settings
) -> AsyncIterator[ServerSentEvent]:
    first = True
    loop = asyncio.get_running_loop()
    outage_since: float | None = None
    while True:
        try:
            async for event in buffer.follow(
                thread_id, cursor, turn=turn, max_s=settings.chat_turn_timeout_s + _READER_SLACK_S
            ):
                outage_since = None
                yield ServerSentEvent(
                    data=event.data,
                    event=event.type,
                    id=event.id or None,
                    retry=RECONNECT_MS if first else None,
                )
                first = False
                cursor = event.id or cursor
            return
        except (redis_exc.ConnectionError, redis_exc.TimeoutError) as exc:
            outage_since = outage_since or loop.time()
            if loop.time() - outage_since > REDIS_OUTAGE_S:
                log.warning("chat stream of %s: Redis is away (%s); the client resumes", thread_id, exc)
                return
            await asyncio.sleep(0.5)


def event_stream(
    buffer: ChatBuffer, thread_id: uuid.UUID, cursor: str, *, turn: str | None, settings: Settings
) -> EventSourceResponse:
    """The response streaming `thread_id`'s events after `cursor` (see `ChatBuffer.follow` for `turn`)."""
    return EventSourceResponse(
        _events(buffer, thread_id, cursor, turn, settings),
        ping=settings.chat_heartbeat_s,
        send_timeout=30,
        headers={"Cache-Control": "no-store"},
    )
