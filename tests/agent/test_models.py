"""The real SDK paths (OpenAI chat completions, Gemini) against a fake server on loopback: streaming text and
tool calls, fast fallback on 503 and on a refused connection, and an error event for a reply we cannot use."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from pydantic import SecretStr
from pydantic_ai.models import override_allow_model_requests
from pydantic_ai.models.fallback import FallbackModel
from pydantic_ai.models.google import GoogleModel
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from sqlalchemy.ext.asyncio import AsyncSession

from agent.events import ErrorEvent, MessageDone, TextDelta, ToolCall, ToolResult
from agent.models import build_model, gemini_model, model_chain, openai_model, with_offline_fallback
from agent.offline import FALLBACK_INTRO, OFFLINE_MODEL_NAME
from agent.stream import stream
from agent.threads import list_messages
from core.models import User
from core.settings import Settings
from tests.agent.conftest import collect, types
from tests.agent.fake_llm import FakeLLM, Reply, fake_llm


@pytest.fixture(autouse=True)
def allow_requests_to_loopback() -> Iterator[None]:
    with override_allow_model_requests(True):
        yield


def settings(**overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "env": "test",
        "gemini_api_key": None,
        "openai_api_key": None,
        "openai_base_url": None,
        "openai_compatible_model": "fake-model",
        "model_timeout_s": 5.0,
    }
    return Settings(**{**base, **overrides})


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_model_selection_by_settings() -> None:
    assert build_model(settings()).model_name == OFFLINE_MODEL_NAME
    assert (
        build_model(settings(llm_provider="offline", gemini_api_key=SecretStr("k"))).model_name
        == OFFLINE_MODEL_NAME
    )
    chain = model_chain(settings(gemini_api_key=SecretStr("g"), openai_api_key=SecretStr("o")))
    # OpenAI's own models through the Responses API (they reason, and take tools with reasoning only there)
    assert [type(m) for m in chain] == [GoogleModel, OpenAIResponsesModel]
    local = model_chain(
        settings(openai_base_url="http://127.0.0.1:11434/v1", openai_compatible_model="llama3.1")
    )
    assert len(local) == 1 and local[0].model_name == "llama3.1" and isinstance(local[0], OpenAIChatModel)
    assert isinstance(
        build_model(settings(gemini_api_key=SecretStr("g"), openai_api_key=SecretStr("o"))), FallbackModel
    )
    only = model_chain(
        settings(llm_provider="openai", gemini_api_key=SecretStr("g"), openai_api_key=SecretStr("o"))
    )
    assert [type(m) for m in only] == [OpenAIResponsesModel]


async def test_openai_client_streams_text_and_tool_calls(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    with fake_llm(
        Reply(tool=("whoami", "{}")), Reply(text="Hello Test Runner, your profile is set.")
    ) as fake:
        model = openai_model(settings(), compatible=True, base_url=fake.url + "/v1")
        events = await collect(
            stream(runner, None, "who am I?", session=db, model=model, checkpointer=checkpointer)
        )
    kinds = types(events)
    assert kinds[0] == "turn_started" and kinds[-1] == "message_done", events
    call = next(e for e in events if isinstance(e, ToolCall))
    assert call.name == "whoami" and call.call_id == "call_fake_1"
    assert next(e for e in events if isinstance(e, ToolResult)).data["display_name"] == "Test Runner"  # type: ignore[index]
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 3 and "".join(deltas) == "Hello Test Runner, your profile is set."
    done = events[-1]
    assert isinstance(done, MessageDone) and done.model == "fake-model"
    assert (done.usage.input_tokens, done.usage.output_tokens, done.usage.requests) == (84, 14, 2)
    assert fake.requests[0]["stream"] is True and fake.requests[0]["tools"][0]["function"]["name"]
    assert any(t["function"]["name"] == "whoami" for t in fake.requests[0]["tools"])
    stored = (await list_messages(db, runner, events[0].thread_id))[-1]  # type: ignore[union-attr]
    assert (stored.input_tokens, stored.output_tokens, stored.model) == (84, 14, "fake-model")


async def test_fallback_on_503_makes_no_sdk_retry(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    with fake_llm(Reply(status=503)) as down, fake_llm(Reply(text="Backup model here.")) as up:
        primary = openai_model(settings(), compatible=True, base_url=down.url + "/v1")
        backup = openai_model(settings(), compatible=True, base_url=up.url + "/v1")
        events = await collect(
            stream(
                runner,
                None,
                "hi",
                session=db,
                model=FallbackModel(primary, backup),
                checkpointer=checkpointer,
            )
        )
    assert types(events)[-1] == "message_done" and events[-1].text == "Backup model here."  # type: ignore[union-attr]
    assert len(down.requests) == 1, "no SDK retry against the failing model"


async def test_gemini_503_falls_back_to_openai_through_settings(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    with fake_llm(Reply(status=503)) as gemini, fake_llm(Reply(text="OpenAI answered.")) as openai:
        cfg = settings(gemini_api_key=SecretStr("g-key"), openai_api_key=SecretStr("o-key"))
        model = FallbackModel(
            gemini_model(cfg, base_url=gemini.url), openai_model(cfg, base_url=openai.url + "/v1")
        )
        events = await collect(stream(runner, None, "hi", session=db, model=model, checkpointer=checkpointer))
    assert types(events)[-1] == "message_done", events
    assert len(gemini.requests) == 1 and "gemini" in gemini.paths[0]


async def test_connection_refused_falls_back(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    with fake_llm(Reply(text="Still here.")) as up:
        dead = openai_model(settings(), compatible=True, base_url=f"http://127.0.0.1:{closed_port()}/v1")
        backup = openai_model(settings(), compatible=True, base_url=up.url + "/v1")
        events = await collect(
            stream(
                runner, None, "hi", session=db, model=FallbackModel(dead, backup), checkpointer=checkpointer
            )
        )
    assert types(events)[-1] == "message_done"


async def test_every_model_down_is_an_error_event_saying_what_to_do(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    with fake_llm(Reply(status=503)) as one, fake_llm(Reply(status=503)) as two:
        model = FallbackModel(
            openai_model(settings(), compatible=True, base_url=one.url + "/v1"),
            openai_model(settings(), compatible=True, base_url=two.url + "/v1"),
        )
        events = await collect(stream(runner, None, "hi", session=db, model=model, checkpointer=checkpointer))
    assert types(events) == ["turn_started", "error"]
    error = events[-1]
    assert isinstance(error, ErrorEvent) and error.code == "model_unavailable" and error.retryable
    assert "Try again" in error.message and "RUNCOACH_LLM_PROVIDER=offline" in error.message
    stored = await list_messages(db, runner, events[0].thread_id)  # type: ignore[union-attr]
    assert [m.role for m in stored] == ["user", "assistant"] and stored[1].events[-1]["type"] == "error"


async def test_malformed_tool_calls_end_in_an_error_event(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    with fake_llm(Reply(tool=("whoami", '{"oops": '))) as fake:
        model = openai_model(settings(), compatible=True, base_url=fake.url + "/v1")
        events = await collect(
            stream(runner, None, "who am I", session=db, model=model, checkpointer=checkpointer)
        )
    assert types(events)[0] == "turn_started" and types(events)[-1] == "error", events
    rejected = [e for e in events if isinstance(e, ToolResult)]
    assert rejected and not rejected[0].ok
    error = events[-1]
    assert isinstance(error, ErrorEvent) and error.code == "model_error" and "Ask again" in error.message


async def test_a_reply_that_is_not_json_is_an_error_event(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    with fake_llm(Reply(raw=b"<html>gateway says hello</html>")) as fake:
        model = openai_model(settings(), compatible=True, base_url=fake.url + "/v1")
        events = await collect(
            stream(runner, None, "hello", session=db, model=model, checkpointer=checkpointer)
        )
    assert types(events) == ["turn_started", "error"]
    assert events[-1].code in {"model_error", "model_unavailable"}  # type: ignore[union-attr]


#: how long the fake model stays silent in the timeout tests: a turn that waited for it would take this long
SILENT_S = 10.0
#: the models' timeout: well under SILENT_S, with time for the fake's first bytes on a loaded machine
#: (at 0.5 s, CI with benches alongside timed out before the reply had started)
TIMEOUT_S = 2.0


async def test_a_model_that_does_not_answer_in_time_falls_back_instead_of_waiting(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    with fake_llm(Reply(text="Too late.", delay_s=SILENT_S)) as slow, fake_llm(Reply(text="Backup.")) as up:
        quick = settings(model_timeout_s=TIMEOUT_S)
        model = FallbackModel(
            openai_model(quick, compatible=True, base_url=slow.url + "/v1"),
            openai_model(quick, compatible=True, base_url=up.url + "/v1"),
        )
        started = time.perf_counter()
        events = await collect(stream(runner, None, "hi", session=db, model=model, checkpointer=checkpointer))
        elapsed = time.perf_counter() - started
    assert types(events)[-1] == "message_done" and events[-1].text == "Backup.", events  # type: ignore[union-attr]
    assert len(slow.requests) == 1, "the silent model was asked once, not retried"
    assert elapsed < SILENT_S, "the turn waited for the silent model instead of timing out"


async def test_a_model_that_stops_mid_answer_ends_in_an_error_event_and_the_turn_is_saved(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    never = threading.Event()
    reply = Reply(text="Your long run went well, and", hold=never, hold_max_s=SILENT_S)
    with fake_llm(reply) as fake:
        model = openai_model(settings(model_timeout_s=TIMEOUT_S), compatible=True, base_url=fake.url + "/v1")
        started = time.perf_counter()
        events = await collect(
            stream(runner, None, "how was my run?", session=db, model=model, checkpointer=checkpointer)
        )
        elapsed = time.perf_counter() - started
    assert fake.held.is_set()  # it did stop half way
    assert elapsed < SILENT_S, "the stream hung on the silent model"
    kinds = types(events)
    assert kinds[0] == "turn_started" and "text_delta" in kinds and kinds[-1] == "error", events
    error = events[-1]
    assert isinstance(error, ErrorEvent) and error.retryable
    assert error.code in {"model_unavailable", "model_error"} and "again" in error.message, error
    stored = await list_messages(db, runner, events[0].thread_id)  # type: ignore[union-attr]
    assert [m.role for m in stored] == ["user", "assistant"]
    assert stored[1].content.startswith("Your ") and stored[1].events[-1]["type"] == "error"


async def test_the_whole_chain_gemini_openai_local_then_offline(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    """Each provider at its own wire format (Gemini generateContent, OpenAI Responses, a local server's chat
    completions), in the README's order; when all three fail the offline coach answers and says so."""
    cfg = settings(gemini_api_key=SecretStr("g-key"), openai_api_key=SecretStr("o-key"))

    async def turn(local_reply: Reply, message: str) -> tuple[list[Any], list[FakeLLM]]:
        with (
            fake_llm(Reply(status=503)) as gemini,
            fake_llm(Reply(status=503)) as openai,
            fake_llm(local_reply) as local,
        ):
            model = with_offline_fallback(
                [
                    gemini_model(cfg, base_url=gemini.url),
                    openai_model(cfg, base_url=openai.url + "/v1"),
                    openai_model(cfg, compatible=True, base_url=local.url + "/v1"),
                ]
            )
            events = await collect(
                stream(runner, None, message, session=db, model=model, checkpointer=checkpointer)
            )
        return events, [gemini, openai, local]

    events, (gemini, openai, local) = await turn(Reply(text="The local model answered."), "hi")
    assert isinstance(events[-1], MessageDone) and events[-1].text == "The local model answered."
    assert "gemini" in gemini.paths[0] and openai.paths[0].endswith("/v1/responses")
    assert local.paths[0].endswith("/v1/chat/completions")

    events, (gemini, openai, local) = await turn(Reply(status=503), "who am I?")
    done = events[-1]
    assert isinstance(done, MessageDone) and done.model == OFFLINE_MODEL_NAME, events
    assert FALLBACK_INTRO in done.text
    # every model request of the turn (the offline coach calls a tool, then answers) tried all three first
    assert len(gemini.requests) == len(openai.requests) == len(local.requests) >= 1
