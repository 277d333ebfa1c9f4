"""Threads (create, list, rename, delete), what each chat route refuses and how: another user's thread (404),
a second turn at once (409), too many messages (429), bad input (422), a turn past its deadline."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.chat.conftest import ChatUser, Gate, Live, SseReader, add_runs
from tests.api.isolation import assert_hidden_from, assert_same_as_missing

ChatUserFactory = Callable[[str], Awaitable[ChatUser]]


async def _turn(me: ChatUser, thread: str, content: str) -> list[str]:
    async with me.client.stream(
        "POST", f"/api/v1/chat/threads/{thread}/messages", json={"content": content}
    ) as response:
        assert response.status_code == 200, await response.aread()
        return [e.event for e in await SseReader(response).events()]


async def test_create_list_rename_delete(
    live: Live, chat_user: ChatUserFactory, engine: AsyncEngine, redis: Redis
) -> None:
    me = await chat_user(await live())
    named = await me.thread("Marathon questions")
    untitled = await me.thread()
    assert (await _turn(me, untitled, "who am I?"))[-1] == "message_done"

    listed = (await me.client.get("/api/v1/chat/threads")).json()
    assert [t["id"] for t in listed] == [untitled, named], "most recently active first"
    assert listed[0]["title"] == "who am I?" and listed[1]["title"] == "Marathon questions"

    renamed = await me.client.patch(f"/api/v1/chat/threads/{untitled}", json={"title": "  About   me "})
    assert renamed.status_code == 200 and renamed.json()["title"] == "About me"
    detail = (await me.client.get(f"/api/v1/chat/threads/{untitled}")).json()
    assert detail["title"] == "About me" and [m["role"] for m in detail["messages"]] == ["user", "assistant"]

    assert (await me.client.delete(f"/api/v1/chat/threads/{untitled}")).status_code == 204
    assert (await me.client.get(f"/api/v1/chat/threads/{untitled}")).status_code == 404
    assert [t["id"] for t in (await me.client.get("/api/v1/chat/threads")).json()] == [named]
    async with engine.connect() as conn:
        stored = await conn.scalar(
            text("SELECT count(*) FROM messages WHERE conversation_id = :t"), {"t": untitled}
        )
        checkpoints = await conn.scalar(
            text("SELECT count(*) FROM checkpoints WHERE thread_id = :t"), {"t": untitled}
        )
    assert stored == 0 and checkpoints == 0, "the coach forgets a deleted conversation"
    assert await redis.exists(f"runcoach:chat:{untitled}:events") == 0


async def test_another_users_thread_is_a_404_on_every_route(live: Live, chat_user: ChatUserFactory) -> None:
    url = await live()
    owner, other = await chat_user(url), await chat_user(url)
    thread = await owner.thread("Secret plan for Boston")
    events = await _turn(owner, thread, "who am I?")
    assert events[-1] == "message_done"
    base = f"/api/v1/chat/threads/{thread}"
    leaks = ["Secret plan for Boston", "who am I?"]

    await assert_hidden_from(other.client, "GET", base, leaks=leaks)
    await assert_hidden_from(other.client, "PATCH", base, json={"title": "mine now"})
    await assert_hidden_from(other.client, "DELETE", base)
    await assert_hidden_from(other.client, "POST", f"{base}/messages", json={"content": "hello"})
    await assert_hidden_from(other.client, "GET", f"{base}/events", leaks=leaks)
    await assert_hidden_from(other.client, "GET", f"{base}/events", headers={"Last-Event-ID": "0-0"})
    await assert_hidden_from(
        other.client, "POST", f"{base}/approvals", json={"approval_id": "x", "approved": True}
    )
    missing = f"/api/v1/chat/threads/{uuid.uuid4()}"
    await assert_same_as_missing(other.client, "GET", base, missing)
    await assert_same_as_missing(other.client, "GET", f"{base}/events", f"{missing}/events")
    assert thread not in (await other.client.get("/api/v1/chat/threads")).text

    mine = (await owner.client.get(base)).json()
    assert mine["title"] == "Secret plan for Boston" and len(mine["messages"]) == 2


async def test_one_turn_per_thread_at_a_time(
    live: Live, chat_user: ChatUserFactory, engine: AsyncEngine, gate: Gate
) -> None:
    me = await chat_user(await live())
    await add_runs(engine, me.user_id)
    thread = await me.thread()
    path = f"/api/v1/chat/threads/{thread}/messages"
    async with me.client.stream("POST", path, json={"content": "how was my last run?"}) as response:
        sse = SseReader(response)
        await sse.events(lambda e: e.event == "tool_call")
        second = await me.client.post(path, json={"content": "and the one before?"})
        assert second.status_code == 409
        assert "still answering" in second.json()["detail"]
        busy_delete = await me.client.delete(f"/api/v1/chat/threads/{thread}")
        assert busy_delete.status_code == 409
        assert (await me.client.get(f"/api/v1/chat/threads/{thread}")).json()["running"] is True
        gate.open()
        assert (await sse.events())[-1].event == "message_done"
    assert (await _turn(me, thread, "who am I?"))[-1] == "message_done", "the thread is free again"
    roles = [m["role"] for m in (await me.client.get(f"/api/v1/chat/threads/{thread}")).json()["messages"]]
    assert roles == ["user", "assistant", "user", "assistant"], "the refused message left nothing behind"


async def test_a_turn_past_its_deadline_ends_with_an_error_and_is_kept(
    live: Live, chat_user: ChatUserFactory, engine: AsyncEngine, gate: Gate
) -> None:
    me = await chat_user(await live(chat_turn_timeout_s=3.0))  # room for the real turn after it
    await add_runs(engine, me.user_id)
    thread = await me.thread()
    async with me.client.stream(
        "POST", f"/api/v1/chat/threads/{thread}/messages", json={"content": "how was my last run?"}
    ) as response:
        events = await SseReader(response).events()  # the tool never returns: the deadline ends the turn
    assert events[0].event == "turn_started" and events[-1].event == "error"
    assert events[-1].data["code"] == "timeout" and events[-1].data["retryable"] is True
    assert "too long" in events[-1].data["message"]

    detail = (await me.client.get(f"/api/v1/chat/threads/{thread}")).json()
    assert detail["running"] is False
    messages = detail["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[0]["content"] == "how was my last run?", "the athlete's message is not lost"
    assert messages[1]["events"][-1]["code"] == "timeout"
    gate.open()
    assert (await _turn(me, thread, "how was my last run?"))[-1] == "message_done"


async def test_chat_messages_are_rate_limited_per_user(live: Live, chat_user: ChatUserFactory) -> None:
    me = await chat_user(await live(rate_limit_chat_user="2/minute"))
    thread = await me.thread()
    for _ in range(2):
        assert (await _turn(me, thread, "who am I?"))[-1] == "message_done"
    third = await me.client.post(f"/api/v1/chat/threads/{thread}/messages", json={"content": "who am I?"})
    assert third.status_code == 429
    assert int(third.headers["Retry-After"]) >= 1
    assert len((await me.client.get(f"/api/v1/chat/threads/{thread}")).json()["messages"]) == 4


async def test_bad_input_is_a_clear_422(live: Live, chat_user: ChatUserFactory) -> None:
    me = await chat_user(await live())
    thread = await me.thread()
    base = f"/api/v1/chat/threads/{thread}"
    for body in ({"content": ""}, {"content": "   "}, {"content": "x" * 8001}, {}):
        response = await me.client.post(f"{base}/messages", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["code"] == "invalid_input"
    bad_id = await me.client.get(f"{base}/events", headers={"Last-Event-ID": "yesterday"})
    assert bad_id.status_code == 422 and "Last-Event-ID" in bad_id.json()["detail"]
    assert (await me.client.patch(base, json={"title": ""})).status_code == 422
    assert (await me.client.get("/api/v1/chat/threads/not-a-thread")).status_code == 422
    # nothing was said yet: there is nothing to resume
    assert (await me.client.get(f"{base}/events")).status_code == 204
    assert (await me.client.get(base)).json()["messages"] == []
