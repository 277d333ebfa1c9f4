"""Which model the coach talks to, and whether it answers: for the Settings page.

The chain comes from `agent.models.model_chain` (the same function the coach uses), so what is shown is what
runs: the first model, then its fallbacks; none configured means the offline coach, which is always there.
Each remote model gets one cheap request through its own SDK client, with a short timeout and no retries:

- Gemini (google-genai): `models.get(<model>)` — also proves the model name exists.
- OpenAI and OpenAI-compatible servers (openai): `models.list()` — Ollama, llama.cpp and vLLM serve it; a
  server without it (404) still counts as answering. A compatible server that does not list the configured
  model gets a note (Ollama: pull it), not a failure: llama.cpp answers with whatever it has loaded.

A model its provider deprecated or retired (pydantic-ai's table, `agent.models.deprecation_of`) carries a
`deprecation` with the date, the model the provider now answers with and the recommended replacement.

The result is cached in Redis for `CACHE_TTL_S` (shared by every API replica), keyed by the model
configuration, so a settings page that polls costs the providers one request per model every half minute.
Nothing secret is returned: no keys, and base URLs without user:password.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field
from redis.asyncio import Redis

from agent.models import ModelDeprecationNotice, deprecation_of, model_chain
from core.errors import CoachError
from core.settings import Settings

if TYPE_CHECKING:
    from pydantic_ai.models import Model

log = logging.getLogger(__name__)

CACHE_TTL_S = 30
CHECK_TIMEOUT_S = 3.0
CACHE_PREFIX = "runcoach:model-status:"

ProviderName = Literal["offline", "gemini", "openai", "openai_compatible"]
CheckState = Literal["ok", "offline", "rate_limited", "rejected", "unreachable", "error", "misconfigured"]
REACHABLE: frozenset[str] = frozenset({"ok", "offline", "rate_limited"})

OFFLINE_MESSAGE = (
    "The offline coach is active: it answers by fixed rules from your data and is always available. "
    "Set GEMINI_API_KEY, OPENAI_API_KEY or OPENAI_BASE_URL (e.g. Ollama) for a real model."
)


class ModelCheck(BaseModel):
    provider: ProviderName
    model: str
    base_url: str | None = Field(default=None, description="the server asked (never with credentials)")
    reachable: bool = Field(description="it answered and accepts our requests (always true offline)")
    state: CheckState
    message: str = Field(description="what was found, and what to do when something is wrong")
    deprecation: ModelDeprecationNotice | None = Field(
        default=None, description="the provider deprecated or retired this model: what to set instead"
    )


class ModelStatus(BaseModel):
    setting: str = Field(
        description="RUNCOACH_LLM_PROVIDER: auto, offline, gemini, openai, openai_compatible"
    )
    active: ModelCheck = Field(description="the model the coach tries first")
    fallbacks: list[ModelCheck] = Field(description="tried in order when the one before fails")
    reachable: bool = Field(description="at least one model in the chain answers: the coach can reply")
    checked_at: datetime
    cached: bool = Field(description="served from the short cache instead of asking the providers now")


def _public_url(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def _secret_digest(settings: Settings) -> str:
    keys = [
        settings.gemini_api_key.get_secret_value() if settings.gemini_api_key else "",
        settings.openai_api_key.get_secret_value() if settings.openai_api_key else "",
    ]
    return hashlib.sha256("\0".join(keys).encode()).hexdigest()[:16]


def cache_key(settings: Settings) -> str:
    """Changes whenever the model configuration (or a key) changes, so a new configuration is re-checked."""
    config = {
        "provider": settings.llm_provider,
        "gemini": settings.gemini_model,
        "openai": settings.openai_model,
        "compatible": settings.openai_compatible_model,
        "base_url": settings.openai_base_url,
        "keys": _secret_digest(settings),
    }
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:24]
    return CACHE_PREFIX + digest


def _check(
    provider: ProviderName, model: str, base_url: str | None, state: CheckState, msg: str
) -> ModelCheck:
    return ModelCheck(
        provider=provider,
        model=model,
        base_url=_public_url(base_url),
        reachable=state in REACHABLE,
        state=state,
        message=msg,
    )


def _describe(model: Model) -> tuple[ProviderName, str | None]:
    from pydantic_ai.models.google import GoogleModel

    base_url = getattr(model, "base_url", None)
    if isinstance(model, GoogleModel):
        return "gemini", base_url
    host = urlsplit(base_url or "").hostname or ""
    return ("openai" if host in ("", "api.openai.com") else "openai_compatible"), base_url


async def _check_openai(
    model: Any, provider: ProviderName, base_url: str | None, timeout_s: float
) -> ModelCheck:
    import openai

    name = model.model_name
    where = "OpenAI" if provider == "openai" else f"the server at {_public_url(base_url)}"
    try:
        page = await model.client.models.list(timeout=timeout_s)
    except (openai.AuthenticationError, openai.PermissionDeniedError):
        key = "OPENAI_API_KEY" if provider == "openai" else "OPENAI_API_KEY (if the server needs one)"
        return _check(provider, name, base_url, "rejected", f"{where} refused the API key; check {key}.")
    except openai.RateLimitError:
        return _check(
            provider, name, base_url, "rate_limited", f"{where} answers but is limiting requests right now."
        )
    except openai.NotFoundError:  # a compatible server without GET /models: it answered, which is the point
        return _check(provider, name, base_url, "ok", f"{where} answers.")
    except openai.APIStatusError as exc:
        return _check(
            provider, name, base_url, "error", f"{where} answered with an error (HTTP {exc.status_code})."
        )
    except openai.APIConnectionError as exc:
        kind = "did not answer in time" if isinstance(exc, openai.APITimeoutError) else "cannot be reached"
        return _check(provider, name, base_url, "unreachable", f"{where} {kind}.")
    listed = {getattr(item, "id", None) for item in getattr(page, "data", None) or []}
    if provider == "openai_compatible" and listed and name not in listed:
        return _check(
            provider,
            name,
            base_url,
            "ok",
            f"{where} answers but does not list the model {name!r}; if replies fail, load it there "
            "(Ollama: `ollama pull`) or set RUNCOACH_OPENAI_COMPATIBLE_MODEL to one it has.",
        )
    return _check(provider, name, base_url, "ok", f"{where} answers; model {name}.")


async def _check_gemini(model: Any, base_url: str | None, timeout_s: float) -> ModelCheck:
    from google.genai import errors as genai_errors

    name = model.model_name
    config: dict[str, Any] = {"http_options": {"timeout": int(timeout_s * 1000)}}
    try:
        await model.client.aio.models.get(model=name, config=config)
    except genai_errors.ClientError as exc:
        text = str(exc).lower()
        if exc.code in (401, 403) or "api key" in text or "api_key" in text:
            return _check(
                "gemini", name, base_url, "rejected", "Gemini refused the API key; check GEMINI_API_KEY."
            )
        if exc.code == 429:
            return _check(
                "gemini", name, base_url, "rate_limited", "Gemini answers but is limiting requests."
            )
        if exc.code == 404:
            return _check(
                "gemini",
                name,
                base_url,
                "error",
                f"Gemini does not know the model {name!r}; check RUNCOACH_GEMINI_MODEL.",
            )
        return _check("gemini", name, base_url, "error", f"Gemini answered with an error (HTTP {exc.code}).")
    except genai_errors.APIError as exc:
        return _check("gemini", name, base_url, "error", f"Gemini answered with an error (HTTP {exc.code}).")
    except Exception as exc:  # the transport's own errors (connection refused, timeout) differ by backend
        log.info("Gemini status check failed: %s", type(exc).__name__)
        return _check("gemini", name, base_url, "unreachable", "Gemini cannot be reached from this server.")
    return _check("gemini", name, base_url, "ok", f"Gemini answers; model {name}.")


async def check_model(model: Model, *, timeout_s: float = CHECK_TIMEOUT_S) -> ModelCheck:
    """One cheap request to the model's server through its SDK client, bounded by `timeout_s`."""
    provider, base_url = _describe(model)
    try:
        async with asyncio.timeout(timeout_s + 1.0):
            if provider == "gemini":
                check = await _check_gemini(model, base_url, timeout_s)
            else:
                check = await _check_openai(model, provider, base_url, timeout_s)
    except TimeoutError:
        check = _check(provider, model.model_name, base_url, "unreachable", "It did not answer in time.")
    return check.model_copy(update={"deprecation": deprecation_of(model)})


async def check_models(
    settings: Settings, *, chain: list[Model] | None = None, timeout_s: float | None = None
) -> ModelStatus:
    """Describe and check the configured chain now (no cache). `chain` replaces the configured models."""
    from agent.offline import OFFLINE_MODEL_NAME

    now = datetime.now(UTC)
    if chain is None:
        try:
            chain = model_chain(settings)
        except CoachError as exc:
            wanted: ProviderName = settings.llm_provider  # type: ignore[assignment]  # never "auto" here
            active = _check(wanted, "", settings.openai_base_url, "misconfigured", exc.message)
            return ModelStatus(
                setting=settings.llm_provider,
                active=active,
                fallbacks=[],
                reachable=False,
                checked_at=now,
                cached=False,
            )
    if not chain:
        offline = _check("offline", OFFLINE_MODEL_NAME, None, "offline", OFFLINE_MESSAGE)
        return ModelStatus(
            setting=settings.llm_provider,
            active=offline,
            fallbacks=[],
            reachable=True,
            checked_at=now,
            cached=False,
        )
    timeout = min(timeout_s or CHECK_TIMEOUT_S, settings.model_timeout_s)
    checks = await asyncio.gather(*(check_model(model, timeout_s=timeout) for model in chain))
    return ModelStatus(
        setting=settings.llm_provider,
        active=checks[0],
        fallbacks=list(checks[1:]),
        reachable=any(c.reachable for c in checks),
        checked_at=now,
        cached=False,
    )


async def model_status(settings: Settings, redis: Redis) -> ModelStatus:
    """The configured chain's status, from the cache when it was checked in the last `CACHE_TTL_S`."""
    key = cache_key(settings)
    raw = await redis.get(key)
    if raw:
        return ModelStatus.model_validate_json(raw).model_copy(update={"cached": True})
    status = await check_models(settings)
    await redis.set(key, status.model_dump_json(), ex=CACHE_TTL_S)
    return status
