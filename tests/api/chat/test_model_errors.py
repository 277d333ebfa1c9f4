"""The agent's error events become SSE `error` events: a model provider that answers 503 (a local fake OpenAI-
compatible server, through the real client) ends the stream with a clear, retryable error, and the turn is
kept."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

import pytest
from pydantic_ai.models import override_allow_model_requests

from tests.agent.fake_llm import Reply, fake_llm
from tests.api.chat.conftest import ChatUser, Live, SseReader


@pytest.fixture(autouse=True)
def allow_requests_to_loopback() -> Iterator[None]:
    with override_allow_model_requests(True):
        yield


async def test_a_failing_model_ends_the_stream_with_an_error_event(
    live: Live, chat_user: Callable[[str], Awaitable[ChatUser]]
) -> None:
    with fake_llm(Reply(status=503)) as model:
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
    assert events[0].event == "turn_started" and events[-1].event == "error"
    error = events[-1].data
    assert error["code"] == "model_unavailable" and error["retryable"] is True
    assert "Try again" in error["message"] and events[-1].id is not None
    assert model.requests, "the real client reached the fake provider"

    stored = (await me.client.get(f"/api/v1/chat/threads/{thread}")).json()
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant"]
    assert stored["messages"][0]["content"] == "plan my week"
    assert stored["messages"][1]["events"][-1]["code"] == "model_unavailable"
