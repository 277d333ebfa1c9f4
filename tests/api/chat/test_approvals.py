"""Approvals over SSE: the coach (an OpenAI-compatible model served by a local fake, through the real client)
asks to delete a race — a real side-effect tool — and the turn pauses on `approval_required`; POST approve
deletes it exactly once and streams the rest; POST deny never deletes it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable, Iterator

import pytest
from pydantic_ai.models import override_allow_model_requests
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.models import Race, User
from tests.agent.fake_llm import FakeLLM, Reply, fake_llm
from tests.api.chat.conftest import ChatUser, Live, Sse, SseReader
from tools.deps import ToolDeps
from tools.registry import call_tool

ChatUserFactory = Callable[[str], Awaitable[ChatUser]]


@pytest.fixture(autouse=True)
def allow_requests_to_loopback() -> Iterator[None]:
    with override_allow_model_requests(True):
        yield


async def _add_race(engine: AsyncEngine, user_id: int) -> int:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        user = await session.get(User, user_id)
        assert user is not None
        deps = ToolDeps.for_user(session, user)
        out = await call_tool(
            "add_race",
            deps,
            {
                "name": "Spring Half",
                "date": (deps.today + dt.timedelta(days=60)).isoformat(),
                "distance": "half",
            },
        )
        await session.commit()
    return int(out.model_dump()["id"])


async def _races(engine: AsyncEngine, user_id: int) -> int:
    async with AsyncSession(engine) as session:
        count = await session.scalar(select(func.count()).select_from(Race).where(Race.user_id == user_id))
    return int(count or 0)


async def _stream(me: ChatUser, path: str, body: dict[str, object]) -> list[Sse]:
    async with me.client.stream("POST", path, json=body) as response:
        assert response.status_code == 200, await response.aread()
        return await SseReader(response).events()


@pytest.fixture
def model() -> Iterator[FakeLLM]:
    with fake_llm(Reply(text="(set by the test)")) as fake:
        yield fake


async def _asking(
    live: Live, chat_user: ChatUserFactory, engine: AsyncEngine, model: FakeLLM, words: str
) -> tuple[ChatUser, str, int, Sse]:
    """A user with a race, whose coach (the fake model) has just asked to delete it; it then says `words`."""
    url = await live(
        llm_provider="openai_compatible",
        openai_base_url=f"{model.url}/v1",
        openai_compatible_model="fake-model",
        model_timeout_s=5.0,
    )
    me = await chat_user(url)
    race_id = await _add_race(engine, me.user_id)
    model.script[:] = [Reply(tool=("delete_race", json.dumps({"race_id": race_id}))), Reply(text=words)]
    thread = await me.thread()
    events = await _stream(
        me, f"/api/v1/chat/threads/{thread}/messages", {"content": "delete my spring race"}
    )
    assert events[0].event == "turn_started"
    assert events[-1].event == "approval_required", [e.event for e in events]
    assert "tool_call" not in [e.event for e in events], "nothing runs before the athlete approves"
    return me, thread, race_id, events[-1]


async def test_approve_runs_the_side_effect_exactly_once(
    live: Live,
    chat_user: ChatUserFactory,
    engine: AsyncEngine,
    model: FakeLLM,
) -> None:
    me, thread, race_id, asked = await _asking(
        live, chat_user, engine, model, "Done: the race is off your calendar."
    )
    assert asked.data["tool"] == "delete_race" and asked.data["arguments"] == {"race_id": race_id}
    assert await _races(engine, me.user_id) == 1, "asking deletes nothing"

    decision = {"approval_id": asked.data["approval_id"], "approved": True}
    rest = await _stream(me, f"/api/v1/chat/threads/{thread}/approvals", decision)
    names = [e.event for e in rest]
    assert names[0] == "turn_started" and rest[0].data["resumed"] is True
    assert names[-1] == "message_done"
    results = [e for e in rest if e.event == "tool_result"]
    assert len(results) == 1 and results[0].data["ok"] is True
    assert results[0].data["data"] == {"deleted": True, "id": race_id}
    assert await _races(engine, me.user_id) == 0
    assert "race is off your calendar" in rest[-1].data["text"]
    assert len(model.requests) == 2, "one model call to ask, one to report"

    again = await me.client.post(f"/api/v1/chat/threads/{thread}/approvals", json=decision)
    assert again.status_code == 409, again.text
    assert again.headers["content-type"].startswith("application/problem+json")
    assert len(model.requests) == 2, "a repeated approval runs nothing"

    stored = (await me.client.get(f"/api/v1/chat/threads/{thread}")).json()
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant", "approval", "assistant"]
    saved_results = [e for m in stored["messages"] for e in m["events"] if e.get("type") == "tool_result"]
    assert len(saved_results) == 1


async def test_deny_never_runs_it(
    live: Live,
    chat_user: ChatUserFactory,
    engine: AsyncEngine,
    model: FakeLLM,
) -> None:
    me, thread, _, asked = await _asking(
        live, chat_user, engine, model, "Understood, I left your race alone."
    )
    decision = {"approval_id": asked.data["approval_id"], "approved": False, "note": "I still want to run it"}
    rest = await _stream(me, f"/api/v1/chat/threads/{thread}/approvals", decision)
    assert rest[-1].event == "message_done"
    declined = [e for e in rest if e.event == "tool_result"]
    assert len(declined) == 1 and declined[0].data["ok"] is False
    assert "I still want to run it" in (declined[0].data["error"] or "")
    assert await _races(engine, me.user_id) == 1, "a declined action never runs"
    assert rest[-1].data["text"] == "Understood, I left your race alone."


async def test_a_decision_for_an_approval_that_is_not_waiting_is_a_409(
    live: Live, chat_user: ChatUserFactory
) -> None:
    url = await live()
    me = await chat_user(url)
    thread = await me.thread()
    response = await me.client.post(
        f"/api/v1/chat/threads/{thread}/approvals", json={"approval_id": "call_nothing", "approved": True}
    )
    assert response.status_code == 409, response.text
    assert "approv" in response.json()["detail"].lower()
