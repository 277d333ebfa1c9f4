"""The live buffer of a thread's chat turns in Redis: what every api replica streams from.

Keys, per thread (`{t}` = the thread id):

- `runcoach:chat:{t}:events` — a Redis Stream of the thread's events. Each entry carries `turn` (the turn id),
  `type` (the CoachEvent type), `final` ("1" on the event that ends a turn) and `data` (the event's JSON).
  The entry id (`<ms>-<seq>`, assigned by Redis) is the SSE event id: Redis keeps the ids of one stream
  strictly increasing, so ids are monotonic per thread across turns. A turn sets the key's time to live
  when it starts (long enough for the whole turn) and again with its final event: it expires `ttl_s` after
  the end of the last turn. It is trimmed (approximately) to `maxlen` entries.
- `runcoach:chat:{t}:turn` — the running turn's id: one turn per thread at a time, across replicas. It lives
  `lock_ttl_s` and the turn's runner refreshes it, so a replica that dies frees the thread within
  `lock_ttl_s`. The turn's final event releases it in the same transaction.
- `runcoach:chat:{t}:latest` — the latest turn that published anything, and the entry id just before its
  first event (where a client without `Last-Event-ID` starts reading).

A reader (`follow`) never needs the process that runs the turn: it reads the stream from a cursor, blocking
in `XREAD` on the `reader` client (its own bounded pool: `core.redis.stream_reader`), and stops after the
final event. If the turn's runner is gone (no lock) and the turn never published a final event, the first
reader to notice appends an `error` event that says so (atomically, once), so no stream hangs.

A reader of a turn that this process is writing (the POST that started it) takes the turn's events from the
writer itself, as each batch is written to Redis with the ids Redis gave it: the same events, ids and order
as the stream, without an `XREAD` per batch (a Redis round trip is ~350 Python calls). When the writer goes
away before the final event (its `end`), the reader goes on from Redis after the last event it got.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, cast

from redis.asyncio import Redis

from agent.events import FINAL_EVENT_TYPES, CoachEvent, ErrorEvent

__all__ = ["BufferedEvent", "ChatBuffer", "parse_event_id"]

_ID = re.compile(r"^(\d{1,20})(?:-(\d{1,20}))?$")
_START = "0-0"
#: how long a running turn and a streaming response wait for Redis to come back (a restart) before giving up
REDIS_OUTAGE_S = 15.0

#: release the lock only if this turn still holds it
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
#: refresh the lock only if this turn still holds it
_REFRESH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
#: end a turn whose runner is gone: when nobody holds the thread, nothing follows `cursor`, and the last
#: entry is a turn's non-final event, append one final error for that turn (once, whoever calls it first)
_ABANDON = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 'held' end
if #redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', 1) > 0 then return 'more' end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last == 0 then return 'none' end
local fields = last[1][2]
local turn, final = '', '0'
for i = 1, #fields, 2 do
  if fields[i] == 'turn' then turn = fields[i + 1] elseif fields[i] == 'final' then final = fields[i + 1] end
end
if final == '1' then return 'none' end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'turn', turn, 'type', 'error', 'final', '1',
           'data', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 'added'
"""

INTERRUPTED = ErrorEvent(
    code="interrupted",
    message="The server answering this conversation stopped before the coach finished. What was said so far "
    "is kept; send your message again.",
    retryable=True,
)


#: what a reader says when its own deadline passes before the turn's end
READER_TIMEOUT = ErrorEvent(
    code="timeout", message="The coach took too long to answer. Send your message again.", retryable=True
)


def parse_event_id(value: str) -> str:
    """A client's `Last-Event-ID` / `after` as a stream id (`<ms>-<seq>`, or `<ms>` for `<ms>-0`).

    ValueError when it is not one of ours."""
    match = _ID.match(value.strip())
    if match is None:
        raise ValueError(value)
    return f"{int(match.group(1))}-{int(match.group(2) or 0)}"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass(frozen=True)
class BufferedEvent:
    """One event as buffered: `id` is its SSE id, `data` the CoachEvent's JSON."""

    id: str
    turn: str
    type: str
    data: str
    final: bool

    @classmethod
    def from_entry(cls, entry_id: bytes | str, fields: dict[Any, Any]) -> BufferedEvent:
        got = {_text(k): _text(v) for k, v in fields.items()}
        return cls(
            id=_text(entry_id),
            turn=got.get("turn", ""),
            type=got.get("type", ""),
            data=got.get("data", "{}"),
            final=got.get("final") == "1",
        )

    @classmethod
    def local(cls, event: CoachEvent, turn: str = "") -> BufferedEvent:
        """An event made by a reader itself, not buffered (it has no id)."""
        return cls(id="", turn=turn, type=event.type, data=event.model_dump_json(), final=True)


def _id_key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


@dataclass
class _LocalTurn:
    """A turn this process writes: its events as written (ids included), for readers in this process."""

    turn: str
    events: list[BufferedEvent] = field(default_factory=list)
    closed: bool = False  # the final event was written, or the writer ended without one
    waiters: list[asyncio.Future[None]] = field(default_factory=list)

    def wake(self) -> None:
        for waiter in self.waiters:
            if not waiter.done():
                waiter.set_result(None)
        self.waiters.clear()


@dataclass(frozen=True)
class Latest:
    turn: str
    cursor: str  # the entry id just before the turn's first event


class ChatBuffer:
    """The Redis side of chat turns (see the module docstring for the keys)."""

    def __init__(
        self,
        redis: Redis,
        *,
        reader: Redis | None = None,
        ttl_s: int = 3600,
        lock_ttl_s: float = 30.0,
        maxlen: int = 5000,
    ) -> None:
        self.redis = redis
        #: blocking reads hold a connection for up to `block_s`: never on the pool everything else uses
        self.reader = reader if reader is not None else redis
        self.ttl_ms = int(ttl_s * 1000)
        self.lock_ttl_ms = int(lock_ttl_s * 1000)
        self.maxlen = maxlen
        #: the turns this process is writing, by thread (see the module docstring)
        self._local: dict[str, _LocalTurn] = {}

    # --- keys -------------------------------------------------------------------------------------------

    @staticmethod
    def _key(thread_id: uuid.UUID | str, part: str) -> str:
        return f"runcoach:chat:{thread_id}:{part}"

    # --- the writer's side ------------------------------------------------------------------------------

    async def begin(self, thread_id: uuid.UUID | str, turn: str) -> str | None:
        """Take the thread for `turn`; the cursor its readers start after, or None when another turn runs."""
        async with self.redis.pipeline(transaction=False) as pipe:  # one round trip
            pipe.set(self._key(thread_id, "turn"), turn, nx=True, px=self.lock_ttl_ms)
            pipe.xrevrange(self._key(thread_id, "events"), count=1)  # after the SET: what the turn follows
            taken, last = await pipe.execute()
        if not taken:
            return None
        self._local[str(thread_id)] = _LocalTurn(turn)
        return _text(last[0][0]) if last else _START

    async def holder(self, thread_id: uuid.UUID | str) -> str | None:
        """The turn running on this thread now (on any replica), if any."""
        value = await self.redis.get(self._key(thread_id, "turn"))
        return _text(value) if value is not None else None

    async def keep(self, thread_id: uuid.UUID | str, turn: str) -> bool:
        """Refresh the thread's lock; False when `turn` no longer holds it."""
        script = cast(Any, self.redis.eval(_REFRESH, 1, self._key(thread_id, "turn"), turn, self.lock_ttl_ms))
        return bool(await script)

    async def publish_start(self, thread_id: uuid.UUID | str, turn: str, cursor: str) -> None:
        """Record `turn` as the thread's latest (call before its first event; `append(start=…)` does both)."""
        value = json.dumps({"turn": turn, "cursor": cursor})
        await self.redis.set(self._key(thread_id, "latest"), value, px=self.ttl_ms)

    async def append(
        self,
        thread_id: uuid.UUID | str,
        turn: str,
        *events: CoachEvent,
        start: str | None = None,
        runs_ms: int = 0,
    ) -> list[str]:
        """Buffer events of `turn`, in order, in one pipeline; their ids.

        `start` (the turn's cursor, with its first events): also record the turn as the thread's latest,
        with the keys' time to live set once for the whole turn (`runs_ms`, how long it may run, plus
        `ttl_s`). A final event sets it again from its end, and releases the thread atomically with it:
        whoever sees the end of a turn also sees the thread free. Events in between only XADD."""
        key = self._key(thread_id, "events")
        latest = self._key(thread_id, "latest")
        final = any(event.type in FINAL_EVENT_TYPES for event in events)
        written: list[dict[str, str]] = []
        async with self.redis.pipeline(transaction=final) as pipe:
            if start is not None:
                pipe.set(latest, json.dumps({"turn": turn, "cursor": start}), px=self.ttl_ms + runs_ms)
            for event in events:
                fields = {
                    "turn": turn,
                    "type": event.type,
                    "final": "1" if event.type in FINAL_EVENT_TYPES else "0",
                    "data": event.model_dump_json(),
                }
                written.append(fields)
                pipe.xadd(key, cast(Any, fields), maxlen=self.maxlen, approximate=True)
            if final:
                pipe.pexpire(key, self.ttl_ms)
                pipe.pexpire(latest, self.ttl_ms)
                pipe.eval(_RELEASE, 1, self._key(thread_id, "turn"), turn)
            elif start is not None:
                pipe.pexpire(key, self.ttl_ms + runs_ms)
            results = await pipe.execute()
        first = 1 if start is not None else 0
        ids = [_text(entry_id) for entry_id in results[first : first + len(events)]]
        local = self._local.get(str(thread_id))
        if local is not None and local.turn == turn:
            for entry_id, fields in zip(ids, written, strict=True):
                local.events.append(
                    BufferedEvent(
                        id=entry_id,
                        turn=turn,
                        type=fields["type"],
                        data=fields["data"],
                        final=fields["final"] == "1",
                    )
                )
            if final:
                self._close_local(thread_id, turn)
            local.wake()
        return ids

    def _close_local(self, thread_id: uuid.UUID | str, turn: str) -> None:
        local = self._local.get(str(thread_id))
        if local is not None and local.turn == turn:
            local.closed = True
            del self._local[str(thread_id)]
            local.wake()

    async def end(self, thread_id: uuid.UUID | str, turn: str) -> None:
        """Release the thread (only if `turn` still holds it)."""
        self._close_local(thread_id, turn)  # first: its readers go on from Redis even if Redis is away
        await cast(Any, self.redis.eval(_RELEASE, 1, self._key(thread_id, "turn"), turn))

    async def forget(self, thread_id: uuid.UUID | str) -> None:
        """Drop everything buffered for the thread (it was deleted)."""
        await self.redis.delete(*(self._key(thread_id, part) for part in ("events", "latest", "turn")))

    # --- the readers' side ------------------------------------------------------------------------------

    async def latest(self, thread_id: uuid.UUID | str) -> Latest | None:
        raw = await self.redis.get(self._key(thread_id, "latest"))
        if raw is None:
            return None
        value = json.loads(raw)
        return Latest(turn=str(value["turn"]), cursor=str(value["cursor"]))

    async def anything_after(self, thread_id: uuid.UUID | str, cursor: str) -> bool:
        """Whether a reader starting after `cursor` has something to read now or soon."""
        if await self.holder(thread_id) is not None:
            return True
        after = await self.redis.xrange(self._key(thread_id, "events"), min=f"({cursor}", count=1)
        return bool(after)

    async def _abandon(self, thread_id: uuid.UUID | str, cursor: str) -> str:
        result = await cast(
            Any,
            self.redis.eval(
                _ABANDON,
                2,
                self._key(thread_id, "events"),
                self._key(thread_id, "turn"),
                cursor,
                INTERRUPTED.model_dump_json(),
                self.ttl_ms,
                self.maxlen,
            ),
        )
        return _text(result)

    async def follow(
        self,
        thread_id: uuid.UUID | str,
        cursor: str,
        *,
        turn: str | None = None,
        block_s: float = 5.0,
        max_s: float | None = None,
    ) -> AsyncIterator[BufferedEvent]:
        """The thread's events after `cursor`, live, until a turn's final event.

        With `turn`, until that turn's final event (a POST's own turn). Without, until the final event of
        the latest turn: a final event is the end unless a newer turn has published events since.
        After `max_s` without an end (a safety net: turns have their own deadline), a local error ends it.
        """
        key = self._key(thread_id, "events")
        deadline = None if max_s is None else time.monotonic() + max_s
        local = self._local.get(str(thread_id)) if turn is not None else None
        if local is not None and local.turn == turn:
            async for event in self._follow_local(local, cursor, deadline):
                yield event
                if event.final:  # the turn's end, or the reader's own deadline
                    return
                cursor = event.id
        while True:
            block_ms = max(1, int(block_s * 1000))
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    yield BufferedEvent.local(READER_TIMEOUT)
                    return
                block_ms = max(1, min(block_ms, int(left * 1000)))
            read: Any = await self.reader.xread({key: cursor}, count=200, block=block_ms)
            entries: list[Any] = read[0][1] if read else []
            if not entries:
                if await self.holder(thread_id) is None and await self._abandon(thread_id, cursor) == "none":
                    return  # nobody is running a turn and nothing is left to read
                continue
            for entry_id, fields in entries:
                event = BufferedEvent.from_entry(entry_id, fields)
                cursor = event.id
                yield event
                if event.final and await self._ends(thread_id, event, turn):
                    return

    async def _follow_local(
        self, local: _LocalTurn, cursor: str, deadline: float | None
    ) -> AsyncIterator[BufferedEvent]:
        """The events of a turn this process writes, after `cursor`, as they are written; ends after the
        final event, when the writer ends without one (the caller goes on from Redis), or at `deadline`
        with a local `timeout` error."""
        after = _id_key(cursor)
        seen = 0
        loop = asyncio.get_running_loop()
        while True:
            while seen < len(local.events):
                event = local.events[seen]
                seen += 1
                if _id_key(event.id) > after:
                    yield event
                if event.final:
                    return
            if local.closed:
                return
            waiter: asyncio.Future[None] = loop.create_future()
            local.waiters.append(waiter)
            if deadline is None:
                await waiter
                continue
            try:
                async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                    await waiter
            except TimeoutError:
                yield BufferedEvent.local(READER_TIMEOUT)
                return

    async def _ends(self, thread_id: uuid.UUID | str, event: BufferedEvent, turn: str | None) -> bool:
        if turn is not None:
            return event.turn == turn
        latest = await self.latest(thread_id)
        return latest is None or latest.turn == event.turn
