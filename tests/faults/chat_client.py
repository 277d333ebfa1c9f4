"""A chat client for fault tests that follows a turn the way the web app's EventSource does.

`follow_turn` posts the message and reads the SSE stream; when a response ends without a final event (the
replica serving it stopped), it reconnects with `GET …/events` and `Last-Event-ID` — on `resume`, another
replica or the load balancer — until the final event. Anything else fails the test: a response that is not
200, a stream cut without its last chunk (httpx raises), a reconnect answered 204 (events lost).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.faults.conftest import REQUEST_TIMEOUT_S

FINAL = frozenset({"message_done", "approval_required", "error"})
#: more reconnects than this for one turn is a loop, not a handover
MAX_RESPONSES = 5


@dataclass(frozen=True)
class SseEvent:
    id: str | None
    type: str
    data: dict[str, Any]


@dataclass
class FollowedTurn:
    """What the client saw of one turn: every event in order, and the responses that carried them."""

    events: list[SseEvent] = field(default_factory=list)
    responses: list[str] = field(default_factory=list)  # "POST" then one "GET" per reconnect

    @property
    def final(self) -> bool:
        return bool(self.events) and self.events[-1].type in FINAL

    @property
    def text(self) -> str:
        return "".join(e.data["text"] for e in self.events if e.type == "text_delta")

    def started(self) -> bool:
        """The model is half way: some words arrived."""
        return any(e.type == "text_delta" for e in self.events)


async def read_sse(response: httpx.Response, into: list[SseEvent]) -> None:
    """Append the stream's events to `into` until a final event or the end of the stream."""
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line.startswith(":"):
            continue
        if line:
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
            continue
        if "data" in fields:
            data = json.loads(fields["data"])
            into.append(SseEvent(fields.get("id"), fields.get("event", "message"), data))
            if into[-1].type in FINAL:
                return
        fields = {}


async def follow_turn(
    client: httpx.AsyncClient,
    thread: str,
    content: str,
    turn: FollowedTurn,
    *,
    resume: httpx.AsyncClient | None = None,
    within_s: float = REQUEST_TIMEOUT_S,
) -> None:
    """Send `content` to `thread` and follow the turn to its final event (see the module docstring); each
    response must end within `within_s`."""
    path = f"/api/v1/chat/threads/{thread}"
    async with client.stream("POST", f"{path}/messages", json={"content": content}) as response:
        assert response.status_code == 200, (response.status_code, await response.aread())
        turn.responses.append("POST")
        await asyncio.wait_for(read_sse(response, turn.events), within_s)
    while not turn.final:
        assert len(turn.responses) < MAX_RESPONSES, f"reconnected {len(turn.responses)} times: {turn.events}"
        assert turn.events and turn.events[-1].id, "nothing to resume from"
        headers = {"Last-Event-ID": turn.events[-1].id}
        async with (resume or client).stream("GET", f"{path}/events", headers=headers) as response:
            assert response.status_code == 200, (response.status_code, await response.aread())
            turn.responses.append("GET")
            await asyncio.wait_for(read_sse(response, turn.events), within_s)


def assert_whole_turn(turn: FollowedTurn, answer: str) -> None:
    """Every event of the turn exactly once, in order, ending with the answer."""
    assert turn.events[0].type == "turn_started", turn.events
    assert turn.events[-1].type == "message_done", turn.events[-1]
    ids = [e.id for e in turn.events]
    assert None not in ids, ids
    keys = [tuple(int(part) for part in (i or "").split("-")) for i in ids]
    assert keys == sorted(set(keys)), f"an event came twice or out of order: {ids}"
    assert turn.text == answer
    assert turn.events[-1].data["text"] == answer
