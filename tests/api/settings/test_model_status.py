"""`GET /api/v1/settings/model`: the configured chain and a cheap check of each model through its real SDK
client (openai, google-genai) against a fake model server on loopback; offline is always reachable."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from redis.asyncio import Redis

from agent.model_status import cache_key, check_models
from agent.models import gemini_model, openai_model
from agent.offline import OFFLINE_MODEL_NAME
from core.settings import Settings
from tests.api.conftest import SignUp, assert_problem, client_for
from tests.api.settings.fake_models import fake_models

NO_MODELS: dict[str, Any] = {
    "llm_provider": "auto",
    "gemini_api_key": None,
    "openai_api_key": None,
    "openai_base_url": None,
    "openai_compatible_model": None,
}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def model_settings(**overrides: Any) -> Settings:
    return Settings(env="test", **{**NO_MODELS, **overrides})


async def _status(
    app_factory: Callable[..., FastAPI], sign_up_on: Callable[..., Any], **overrides: Any
) -> Any:
    app = app_factory(**{**NO_MODELS, **overrides})
    account = await sign_up_on(app)
    response = await account.get("/api/v1/settings/model")
    assert response.status_code == 200, response.text
    return response


@pytest.fixture
async def sign_up_on(sign_up: SignUp) -> AsyncIterator[Callable[..., Any]]:
    """A signed-in client on a given app (the account is made on the default app; sessions are in Redis)."""
    clients: list[httpx.AsyncClient] = []

    async def make(app: FastAPI) -> httpx.AsyncClient:
        account = await sign_up()
        clients.append(client_for(app, cookies={"runcoach_session": account.session_cookie}))
        return clients[-1]

    yield make
    for client in clients:
        await client.aclose()


async def test_without_a_model_the_offline_coach_is_active_and_reachable(
    app_factory: Callable[..., FastAPI], sign_up_on: Callable[..., Any]
) -> None:
    body = (await _status(app_factory, sign_up_on)).json()
    assert body["setting"] == "auto" and body["reachable"] is True and body["fallbacks"] == []
    active = body["active"]
    assert (active["provider"], active["model"], active["state"]) == (
        "offline",
        OFFLINE_MODEL_NAME,
        "offline",
    )
    assert active["reachable"] is True and "GEMINI_API_KEY" in active["message"]
    forced = (
        await _status(app_factory, sign_up_on, llm_provider="offline", gemini_api_key=SecretStr("g"))
    ).json()
    assert forced["active"]["provider"] == "offline"


async def test_a_local_openai_compatible_server_is_checked_once_then_cached(
    app_factory: Callable[..., FastAPI], sign_up_on: Callable[..., Any], redis: Redis
) -> None:
    with fake_models(models=["llama3.1"]) as fake:
        settings = {"openai_base_url": fake.url + "/v1", "openai_compatible_model": "llama3.1"}
        app = app_factory(**{**NO_MODELS, **settings})
        client = await sign_up_on(app)
        first = (await client.get("/api/v1/settings/model")).json()
        active = first["active"]
        assert (active["provider"], active["model"], active["state"]) == (
            "openai_compatible",
            "llama3.1",
            "ok",
        )
        assert active["reachable"] is True and first["reachable"] is True and first["cached"] is False
        assert active["base_url"] == fake.url + "/v1"
        assert [r.path for r in fake.requests] == ["/v1/models"]

        second = (await client.get("/api/v1/settings/model")).json()
        assert second["cached"] is True and second["active"] == active
        assert len(fake.requests) == 1  # the cache answered

        await redis.delete(cache_key(app.state.settings))
        fake.models = ["qwen2.5"]  # the server no longer has the configured model
        third = (await client.get("/api/v1/settings/model")).json()
        assert third["cached"] is False and len(fake.requests) == 2
        assert (
            third["active"]["state"] == "ok"
            and "does not list the model 'llama3.1'" in third["active"]["message"]
        )


async def test_anonymous_callers_get_401(client: Any) -> None:
    assert_problem(await client.get("/api/v1/settings/model"), 401, "unauthorized")


async def test_a_refused_key_and_a_dead_server_are_not_reachable() -> None:
    with fake_models(
        status=401, body={"error": {"message": "Incorrect API key", "code": "invalid_api_key"}}
    ) as fake:
        cfg = model_settings(openai_api_key=SecretStr("sk-wrong-key"))
        status = await check_models(cfg, chain=[openai_model(cfg, base_url=fake.url + "/v1")])
    assert (status.active.provider, status.active.state) == ("openai_compatible", "rejected")
    assert status.reachable is False and "refused the API key" in status.active.message
    assert fake.requests[0].headers["authorization"] == "Bearer sk-wrong-key"
    assert "sk-wrong-key" not in status.model_dump_json()

    cfg = model_settings()
    dead = openai_model(cfg, compatible=True, base_url=f"http://127.0.0.1:{closed_port()}/v1")
    status = await check_models(cfg, chain=[dead])
    assert status.active.state == "unreachable" and status.reachable is False
    assert "cannot be reached" in status.active.message


async def test_a_server_that_does_not_answer_in_time_is_unreachable() -> None:
    with fake_models(delay_s=3.0) as fake:
        cfg = model_settings()
        slow = openai_model(cfg, compatible=True, base_url=fake.url + "/v1")
        status = await check_models(cfg, chain=[slow], timeout_s=0.2)
    assert status.active.state == "unreachable" and "did not answer in time" in status.active.message


async def test_server_errors_and_rate_limits() -> None:
    cfg = model_settings()
    with fake_models(status=503) as fake:
        status = await check_models(
            cfg, chain=[openai_model(cfg, compatible=True, base_url=fake.url + "/v1")]
        )
    assert status.active.state == "error" and "HTTP 503" in status.active.message and not status.reachable
    with fake_models(status=429) as fake:
        status = await check_models(
            cfg, chain=[openai_model(cfg, compatible=True, base_url=fake.url + "/v1")]
        )
    assert status.active.state == "rate_limited" and status.reachable is True


async def test_gemini_is_checked_by_getting_its_model_and_falls_back() -> None:
    cfg = model_settings(gemini_api_key=SecretStr("g-key-123"), gemini_model="gemini-2.5-flash")
    with fake_models(models=["gemini-2.5-flash"]) as gemini:
        status = await check_models(cfg, chain=[gemini_model(cfg, base_url=gemini.url)])
    assert (status.active.provider, status.active.state, status.active.model) == (
        "gemini",
        "ok",
        "gemini-2.5-flash",
    )
    seen = gemini.requests[0]
    assert seen.path.split("?")[0].endswith("/models/gemini-2.5-flash")
    assert seen.headers.get("x-goog-api-key") == "g-key-123"  # a header, never the URL
    assert "g-key-123" not in seen.path

    with fake_models(models=["gemini-1.5-pro"]) as gemini:
        status = await check_models(cfg, chain=[gemini_model(cfg, base_url=gemini.url)])
    assert status.active.state == "error" and "RUNCOACH_GEMINI_MODEL" in status.active.message

    invalid_key = {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                             "status": "INVALID_ARGUMENT"}}  # fmt: skip
    with fake_models(status=400, body=invalid_key) as gemini:
        status = await check_models(cfg, chain=[gemini_model(cfg, base_url=gemini.url)])
    assert status.active.state == "rejected" and "GEMINI_API_KEY" in status.active.message

    with fake_models(models=["gpt-4.1-mini"]) as openai_server:
        chain = [
            gemini_model(cfg, base_url=f"http://127.0.0.1:{closed_port()}"),
            openai_model(cfg, compatible=True, base_url=openai_server.url + "/v1"),
        ]
        status = await check_models(cfg, chain=chain)
    assert status.active.provider == "gemini" and status.active.state == "unreachable"
    assert [f.state for f in status.fallbacks] == ["ok"] and status.reachable is True


async def test_a_provider_chosen_without_its_key_is_misconfigured(
    app_factory: Callable[..., FastAPI], sign_up_on: Callable[..., Any]
) -> None:
    body = (await _status(app_factory, sign_up_on, llm_provider="gemini")).json()
    assert body["reachable"] is False
    assert body["active"]["state"] == "misconfigured" and "GEMINI_API_KEY" in body["active"]["message"]


async def test_credentials_in_a_base_url_are_not_shown(
    app_factory: Callable[..., FastAPI], sign_up_on: Callable[..., Any]
) -> None:
    with fake_models(models=["llama3.1"]) as fake:
        url = fake.url.replace("http://", "http://proxyuser:hunter2@") + "/v1"
        response = await _status(
            app_factory, sign_up_on, openai_base_url=url, openai_compatible_model="llama3.1"
        )
    assert "hunter2" not in response.text and "proxyuser" not in response.text
    assert response.json()["active"]["base_url"] == fake.url + "/v1"


async def test_a_deprecated_model_is_named_with_its_date_and_replacement(
    app_factory: Callable[..., FastAPI], sign_up_on: Callable[..., Any]
) -> None:
    snapshot = "gpt-4.1-mini-2025-04-14"  # dated in pydantic-ai's table of OpenAI's deprecations
    with fake_models(models=[snapshot]) as fake:
        url = fake.url + "/v1"
        cfg = model_settings(openai_base_url=url, openai_compatible_model=snapshot)
        table = openai_model(cfg, compatible=True).profile.get("deprecation")
        body = (
            await _status(app_factory, sign_up_on, openai_base_url=url, openai_compatible_model=snapshot)
        ).json()
        current = await _status(
            app_factory, sign_up_on, openai_base_url=url, openai_compatible_model="llama3"
        )
    assert current.json()["active"]["deprecation"] is None
    assert table is not None
    notice = body["active"]["deprecation"]
    assert body["active"]["state"] == "ok" and body["reachable"] is True  # it still answers
    assert notice["model"] == snapshot and notice["replacement"] == table.replacement
    assert notice["retirement_date"] == table.retirement_date.isoformat()  # type: ignore[union-attr]
    assert f"RUNCOACH_OPENAI_COMPATIBLE_MODEL={table.replacement}" in notice["message"]

    current = await _status(app_factory, sign_up_on, openai_base_url=url, openai_compatible_model="llama3.1")
    assert current.json()["active"]["deprecation"] is None
