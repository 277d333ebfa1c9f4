"""A turn streamed over SSE by a real uvicorn: incremental, with ids, surviving a disconnect, resumable from
the Redis buffer on another replica, saved whole."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.chat.conftest import HANG_S, ChatUser, Gate, Live, SseReader, add_runs

ChatUserFactory = Callable[[str], Awaitable[ChatUser]]
QUESTION = "how was my last run?"


def _key(event_id: str | None) -> tuple[int, int]:
    assert event_id is not None
    ms, seq = event_id.split("-")
    return int(ms), int(seq)


async def test_events_arrive_as_they_happen_with_a_tool_call(
    live: Live, chat_user: ChatUserFactory, engine: AsyncEngine, gate: Gate
) -> None:
    url = await live()
    me = await chat_user(url)
    await add_runs(engine, me.user_id)
    thread = await me.thread()

    async with me.client.stream(
        "POST", f"/api/v1/chat/threads/{thread}/messages", json={"content": QUESTION}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        # the tool is held, so the turn cannot be over: these events can only be here if they were sent
        # while the turn was still running
        sse = SseReader(response)
        early = await sse.events(lambda e: e.event == "tool_call" and e.data["name"] == "last_activity")
        assert [e.event for e in early] == ["turn_started", "tool_call", "tool_result", "tool_call"]
        assert early[0].data["thread_id"] == thread
        assert [e.data["name"] for e in early[1:]] == ["list_activities", "list_activities", "last_activity"]
        assert gate.calls == 1 and not gate.opened.is_set()
        gate.open()
        rest = await sse.events()

    events = early + rest
    names = [e.event for e in events]
    assert names[-1] == "message_done" and names.count("message_done") == 1
    assert "tool_result" in names and "text_delta" in names
    result = next(e for e in events if e.event == "tool_result" and e.data["name"] == "last_activity")
    assert result.data["ok"] is True and result.data["data"]["name"] == "Long run"
    text = "".join(e.data["text"] for e in events if e.event == "text_delta")
    assert text == events[-1].data["text"] and "Offline coach" in text
    ids = [_key(e.id) for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids), "ids must increase strictly"


async def test_disconnect_mid_turn_then_resume_on_another_replica(
    live: Live, chat_user: ChatUserFactory, engine: AsyncEngine, gate: Gate
) -> None:
    first_replica, second_replica = await live(), await live()
    me = await chat_user(first_replica)
    await add_runs(engine, me.user_id)
    thread = await me.thread()

    async with me.client.stream(
        "POST", f"/api/v1/chat/threads/{thread}/messages", json={"content": QUESTION}
    ) as response:
        seen = await SseReader(response).events(lambda e: e.event == "tool_call")
    # the client is gone, mid-turn (the tool has not even returned); the turn goes on without it
    gate.open()
    last_id = seen[-1].id
    assert last_id is not None

    other = me.client.cookies  # the same signed-in browser, now talking to the other replica
    async with (
        httpx.AsyncClient(base_url=second_replica, cookies=other, timeout=HANG_S) as again,
        again.stream(
            "GET", f"/api/v1/chat/threads/{thread}/events", headers={"Last-Event-ID": last_id}
        ) as response,
    ):
        assert response.status_code == 200
        resumed = await SseReader(response).events()

    names = [e.event for e in resumed]
    assert names[0] == "tool_result" and names[-1] == "message_done", names
    assert {e.id for e in seen}.isdisjoint({e.id for e in resumed}), "nothing is sent twice"
    assert all(_key(e.id) > _key(last_id) for e in resumed)
    text = "".join(e.data["text"] for e in resumed if e.event == "text_delta")
    assert text == resumed[-1].data["text"], "the full answer, once"

    stored = await me.client.get(f"/api/v1/chat/threads/{thread}")
    assert stored.status_code == 200
    body = stored.json()
    assert body["running"] is False
    assert [m["role"] for m in body["messages"]] == ["user", "assistant"]
    assert body["messages"][0]["content"] == QUESTION
    assert body["messages"][1]["content"] == text
    kinds = [e["type"] for e in body["messages"][1]["events"]]
    assert "tool_call" in kinds and "tool_result" in kinds


async def test_reconnect_while_the_turn_runs_gets_the_missed_events_then_live_ones(
    live: Live, chat_user: ChatUserFactory, engine: AsyncEngine, gate: Gate
) -> None:
    first_replica, second_replica = await live(), await live()
    me = await chat_user(first_replica)
    await add_runs(engine, me.user_id)
    thread = await me.thread()
    async with me.client.stream(
        "POST", f"/api/v1/chat/threads/{thread}/messages", json={"content": QUESTION}
    ) as response:
        sent = await SseReader(response).events(lambda e: e.event == "tool_call")
    kept = sent[0]  # the connection dropped before the client took in the tool_call event
    assert kept.event == "turn_started" and kept.id is not None

    async with (
        httpx.AsyncClient(base_url=second_replica, cookies=me.client.cookies, timeout=HANG_S) as again,
        again.stream("GET", f"/api/v1/chat/threads/{thread}/events", params={"after": kept.id}) as response,
    ):
        sse = SseReader(response)
        missed = await sse.events(lambda e: e.event == "tool_call")
        assert [e.event for e in missed] == ["tool_call"] and missed[0].id == sent[1].id
        assert not gate.opened.is_set(), "the turn is still running: what follows is live"
        gate.open()
        live_events = await sse.events()

    events = [kept, *missed, *live_events]
    ids = [_key(e.id) for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids), "each event once, in order"
    assert [e.event for e in events][-1] == "message_done" and "tool_result" in [e.event for e in events]
    text = "".join(e.data["text"] for e in events if e.event == "text_delta")
    assert text == events[-1].data["text"]


async def test_the_turn_finishes_and_is_saved_when_nobody_listens(
    live: Live, chat_user: ChatUserFactory, engine: AsyncEngine, gate: Gate
) -> None:
    url = await live()
    me = await chat_user(url)
    await add_runs(engine, me.user_id)
    thread = await me.thread()
    async with me.client.stream(
        "POST", f"/api/v1/chat/threads/{thread}/messages", json={"content": QUESTION}
    ) as response:
        await SseReader(response).events(lambda e: e.event == "turn_started")
    gate.open()

    async def saved() -> dict[str, object]:
        while True:
            body = (await me.client.get(f"/api/v1/chat/threads/{thread}")).json()
            if not body["running"] and len(body["messages"]) == 2:
                return dict(body)
            await asyncio.sleep(0.05)

    body = await asyncio.wait_for(saved(), HANG_S)
    messages = body["messages"]
    assert isinstance(messages, list) and "Long run" in messages[1]["content"]

    # reconnecting without Last-Event-ID replays the latest turn from its start
    async with me.client.stream("GET", f"/api/v1/chat/threads/{thread}/events") as response:
        replay = await SseReader(response).events()
    assert replay[0].event == "turn_started" and replay[-1].event == "message_done"
    assert replay[-1].data["text"] == messages[1]["content"]
    # and once the client has everything, there is nothing more to send
    done = await me.client.get(
        f"/api/v1/chat/threads/{thread}/events", headers={"Last-Event-ID": replay[-1].id or ""}
    )
    assert done.status_code == 204


async def test_heartbeats_keep_a_quiet_stream_alive(
    live: Live, chat_user: ChatUserFactory, engine: AsyncEngine, gate: Gate
) -> None:
    url = await live(chat_heartbeat_s=0.2)
    me = await chat_user(url)
    await add_runs(engine, me.user_id)
    thread = await me.thread()
    async with me.client.stream(
        "POST", f"/api/v1/chat/threads/{thread}/messages", json={"content": QUESTION}
    ) as response:
        sse = SseReader(response)
        ping = await sse.comment()
        assert ping.text.startswith("ping")
        gate.open()
        rest = await sse.events()
    assert rest[-1].event == "message_done"
