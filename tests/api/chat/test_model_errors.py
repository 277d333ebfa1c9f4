"""Model failures over SSE (a local fake OpenAI-compatible server, through the real client): a provider that
answers 503 hands the turn to the offline coach, which says so; a reply the coach cannot use ends the stream
with a clear `error` event; either way the turn is kept."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from pydantic_ai.models import override_allow_model_requests

from agent.offline import FALLBACK_INTRO, OFFLINE_MODEL_NAME
from tests.agent.fake_llm import Reply, fake_llm
from tests.api.chat.conftest import ChatUser, Live, SseReader


@pytest.fixture(autouse=True)
def allow_requests_to_loopback() -> Iterator[None]:
    with override_allow_model_requests(True):
        yield


async def _turn(live: Live, chat_user: Callable[[str], Awaitable[ChatUser]], reply: Reply) -> tuple[Any, ...]:
    with fake_llm(reply) as model:
        url = await live(
            llm_provider="openai_compatible",
            openai_base_url=f"{model.url}/v1",
            openai_compatible_model="fake-model",
            model_timeout_s=5.0,
        )
        me = await chat_user(url)
        thread = await me.thread()
        async with me.client.stream(
            "POST", f"/api/v1/chat/threads/{thread}/messages", json={"content": "plan my week"}
        ) as response:
            assert response.status_code == 200
            events = await SseReader(response).events()
    assert model.requests, "the real client reached the fake provider"
    stored = (await me.client.get(f"/api/v1/chat/threads/{thread}")).json()
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant"]
    assert stored["messages"][0]["content"] == "plan my week"
    return events, stored["messages"][1]


async def test_a_model_that_is_down_hands_the_turn_to_the_offline_coach(
    live: Live, chat_user: Callable[[str], Awaitable[ChatUser]]
) -> None:
    events, saved = await _turn(live, chat_user, Reply(status=503))
    assert events[0].event == "turn_started" and events[-1].event == "message_done"
    done = events[-1].data
    assert done["model"] == OFFLINE_MODEL_NAME and FALLBACK_INTRO in done["text"]
    assert saved["model"] == OFFLINE_MODEL_NAME and saved["content"] == done["text"]


async def test_a_reply_the_coach_cannot_use_ends_the_stream_with_an_error_event(
    live: Live, chat_user: Callable[[str], Awaitable[ChatUser]]
) -> None:
    # a model that keeps sending broken tool arguments: it answers, so nothing falls back, but is unusable
    events, saved = await _turn(live, chat_user, Reply(tool=("whoami", '{"oops": ')))
    assert events[0].event == "turn_started" and events[-1].event == "error"
    error = events[-1].data
    assert error["code"] == "model_error" and error["retryable"] is True
    assert "Ask again" in error["message"] and events[-1].id is not None
    assert saved["events"][-1]["code"] == "model_error"
