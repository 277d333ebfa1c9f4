"""Deprecated and retired models, by the installed pydantic-ai's own table (`ModelProfile.deprecation`): the
defaults are current, a configured deprecated model is described with its replacement and logged, and it never
breaks a chat turn (the suite turns warnings into errors, as `python -W error` would)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from pydantic import SecretStr
from pydantic_ai.models import override_allow_model_requests
from sqlalchemy.ext.asyncio import AsyncSession

from agent.events import ErrorEvent, MessageDone
from agent.models import build_model, deprecation_of, gemini_model, model_chain, openai_model
from agent.stream import stream
from core.models import User
from core.settings import Settings
from tests.agent.conftest import collect
from tests.agent.fake_llm import Reply, fake_llm

# an OpenAI snapshot that pydantic-ai's table dates (retiring 2027-01-14, replaced by another model)
DEPRECATED_OPENAI = "gpt-4.1-mini-2025-04-14"


@pytest.fixture(autouse=True)
def allow_requests_to_loopback() -> Iterator[None]:
    with override_allow_model_requests(True):
        yield


def settings(**overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "env": "test",
        "gemini_api_key": SecretStr("g"),
        "openai_api_key": SecretStr("o"),
        "openai_base_url": None,
        "model_timeout_s": 5.0,
    }
    return Settings(**{**base, **overrides})


def test_the_default_models_are_not_deprecated_by_the_installed_pydantic_ai() -> None:
    defaults = Settings.model_fields
    chain = model_chain(settings())
    assert [m.model_name for m in chain] == [
        defaults["gemini_model"].default,
        defaults["openai_model"].default,
    ]
    for model in chain:
        assert model.profile.get("deprecation") is None, model.model_name
        assert deprecation_of(model) is None


def test_a_retired_gemini_model_is_described_with_its_replacement() -> None:
    model = gemini_model(settings(gemini_model="gemini-2.5-flash"))
    table = model.profile.get("deprecation")
    assert table is not None and table.retirement_date is not None and table.replacement
    after = deprecation_of(model, today=table.retirement_date)
    assert after is not None and after.retired and after.setting == "RUNCOACH_GEMINI_MODEL"
    assert after.replacement == table.replacement and after.rerouted_to == table.rerouted_to
    assert f"retired by its provider on {table.retirement_date}" in after.message
    assert f"RUNCOACH_GEMINI_MODEL={table.replacement}" in after.message
    if table.rerouted_to:
        assert f"answered by {table.rerouted_to}" in after.message
    before = deprecation_of(model, today=date(2026, 1, 1))
    assert before is not None and not before.retired
    assert f"retires on {table.retirement_date}" in before.message


def test_an_openai_snapshot_names_the_setting_that_chooses_it() -> None:
    direct = deprecation_of(openai_model(settings(openai_model=DEPRECATED_OPENAI)))
    assert direct is not None and direct.setting == "RUNCOACH_OPENAI_MODEL"
    local = openai_model(
        settings(openai_base_url="http://127.0.0.1:9/v1", openai_compatible_model=DEPRECATED_OPENAI),
        compatible=True,
    )
    described = deprecation_of(local)
    assert described is not None and described.setting == "RUNCOACH_OPENAI_COMPATIBLE_MODEL"


# as under `python -W error`: the suite itself only shows a dependency's deprecation warnings
@pytest.mark.filterwarnings("error::pydantic_ai.exceptions.DeprecatedModelWarning")
async def test_a_deprecated_model_is_logged_and_never_breaks_a_chat_turn(
    db: AsyncSession,
    runner: User,
    checkpointer: AsyncPostgresSaver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with fake_llm(Reply(text="Still answering.")) as fake:
        cfg = settings(
            llm_provider="openai_compatible",
            openai_base_url=fake.url + "/v1",
            openai_compatible_model=DEPRECATED_OPENAI,
        )
        # pydantic-ai warns on every request to it; with that warning an error, it alone ends the turn
        bare = openai_model(cfg, compatible=True)
        failed = await collect(stream(runner, None, "hi", session=db, model=bare, checkpointer=checkpointer))
        assert isinstance(failed[-1], ErrorEvent), failed

        with caplog.at_level(logging.WARNING, logger="agent.models"):
            model = build_model(cfg)  # what a chat turn uses: reports the deprecation once, then answers
            events = await collect(
                stream(runner, None, "hi", session=db, model=model, checkpointer=checkpointer)
            )
    assert isinstance(events[-1], MessageDone) and events[-1].text == "Still answering.", events
    logged = [r.getMessage() for r in caplog.records if DEPRECATED_OPENAI in r.getMessage()]
    assert len(logged) == 1 and "RUNCOACH_OPENAI_COMPATIBLE_MODEL=" in logged[0], logged


async def test_a_model_the_provider_no_longer_serves_is_an_error_naming_the_setting(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    gone = b'{"error": {"message": "The model `gpt-3.9-gone` does not exist", "type": "invalid_request_error", "code": "model_not_found"}}'  # noqa: E501
    with fake_llm(Reply(status=404, raw=gone)) as fake:
        model = openai_model(settings(openai_model="gpt-3.9-gone"), base_url=fake.url + "/v1")
        events = await collect(stream(runner, None, "hi", session=db, model=model, checkpointer=checkpointer))
    error = events[-1]
    assert isinstance(error, ErrorEvent) and error.code == "model_not_found" and not error.retryable, events
    assert "gpt-3.9-gone" in error.message and "RUNCOACH_OPENAI_MODEL" in error.message
