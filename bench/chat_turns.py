"""One chat turn as an SSE client sees it: POST the message, read events to the final one, and when the
stream drops before it, resume with `GET …/events` and `Last-Event-ID` — on the next api replica, since any
replica serves any thread's buffer.

    turn = await chat_turn(client, bases, token, thread_id, "who am I?")
    turn.final, turn.message_id, turn.text, turn.first_s, turn.done_s, turn.reconnects, turn.failure

`drop_after_first=True` closes the first connection on purpose after its first text event (a client
that went away), so the resume path runs under load too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

FINAL_EVENTS = frozenset({"message_done", "approval_required", "error"})
#: a turn whose stream keeps dropping is given up after this many resumes (a figure, not a hang)
MAX_RESUMES = 5


@dataclass
class Turn:
    """What the client saw of one turn, across reconnects. `accepted`: the POST was answered 200 (the
    server took the turn), False when refused, None when the request failed before any answer."""

    thread_id: str
    accepted: bool | None = None
    final: str | None = None  # the final event's type
    error_code: str | None = None  # an `error` final event's code
    message_id: int | None = None  # a `message_done`'s saved message
    text: str = ""  # every text_delta, concatenated
    first_s: float | None = None  # from sending the POST to the first event
    done_s: float | None = None  # ... to the final event
    reconnects: int = 0
    dropped_on_purpose: bool = False
    failure: str = ""  # why the client could not follow it to its end (HTTP status, exception)

    @property
    def done(self) -> bool:
        return self.final == "message_done"

    @property
    def kind(self) -> str:
        """What went wrong, as a short category ("" for a completed turn)."""
        if self.done:
            return ""
        if self.final == "error":
            return f"error event: {self.error_code}"
        if self.final is not None:
            return f"ended with {self.final}"
        return self.failure.split(":", 1)[0] or "no final event"


class _Stream:
    """Reads one SSE response into `turn`; remembers the last event id."""

    def __init__(self, turn: Turn, started: float) -> None:
        self.turn = turn
        self.started = started
        self.last_id: str | None = None
        self.texts = 0

    async def read(self, response: httpx.Response, *, stop_after_first_text: bool = False) -> bool:
        """True when the stream was left on purpose (after its first text event)."""
        event, data, event_id = "message", "", None
        async for line in response.aiter_lines():
            if line.startswith(":"):
                continue
            if line:
                field, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if field == "event":
                    event = value
                elif field == "data":
                    data = f"{data}\n{value}" if data else value
                elif field == "id":
                    event_id = value
                continue
            if not data:  # a blank line after a ping or a `retry:`
                event, event_id = "message", None
                continue
            self._dispatch(event, data, event_id)
            if self.turn.final is not None:
                return False
            if stop_after_first_text and event == "text_delta":
                return True
            event, data, event_id = "message", "", None
        return False

    def _dispatch(self, event: str, data: str, event_id: str | None) -> None:
        turn = self.turn
        now = time.perf_counter() - self.started
        if turn.first_s is None:
            turn.first_s = now
        if event_id:
            self.last_id = event_id
        payload: dict[str, Any] = json.loads(data)
        if event == "text_delta":
            turn.text += str(payload.get("text", ""))
            self.texts += 1
        elif event in FINAL_EVENTS:
            turn.final = event
            turn.done_s = now
            if event == "message_done":
                turn.message_id = int(payload["message_id"])
            elif event == "error":
                turn.error_code = str(payload.get("code"))


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def chat_turn(
    client: httpx.AsyncClient,
    bases: Sequence[str],
    token: str,
    thread_id: str,
    message: str,
    *,
    replica: int = 0,
    drop_after_first: bool = False,
) -> Turn:
    """Send `message` on `bases[replica]`, follow the turn to its final event, resuming on the next
    replicas when the stream drops. Never raises for a failed turn: the failure is in the result."""
    turn = Turn(thread_id)
    stream = _Stream(turn, time.perf_counter())
    url = f"{bases[replica % len(bases)]}/api/v1/chat/threads/{thread_id}/messages"
    try:
        async with client.stream("POST", url, json={"content": message}, headers=_auth(token)) as response:
            turn.accepted = response.status_code == 200
            if not turn.accepted:
                body = (await response.aread())[:100]
                turn.failure = f"HTTP {response.status_code}: {body!r}"
                return turn
            turn.dropped_on_purpose = await stream.read(response, stop_after_first_text=drop_after_first)
    except httpx.HTTPError as exc:
        turn.failure = f"{type(exc).__name__}: {exc}"[:160]
        if turn.accepted is None:
            return turn  # unknown whether the server took it: nothing to resume
    while turn.final is None and turn.reconnects < MAX_RESUMES:
        turn.reconnects += 1
        replica += 1
        resume = f"{bases[replica % len(bases)]}/api/v1/chat/threads/{thread_id}/events"
        headers = _auth(token) | ({"Last-Event-ID": stream.last_id} if stream.last_id else {})
        try:
            async with client.stream("GET", resume, headers=headers) as response:
                if response.status_code != 200:
                    turn.failure = f"resume HTTP {response.status_code}"
                    if response.status_code == 204:  # the turn is over and nothing is left to send
                        break
                    continue
                await stream.read(response)
        except httpx.HTTPError as exc:
            turn.failure = f"{type(exc).__name__}: {exc}"[:160]
    if turn.final is not None:
        turn.failure = ""
    elif not turn.failure:
        turn.failure = f"no final event after {turn.reconnects} resumes"
    return turn
