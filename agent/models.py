"""Which model the coach talks to: Gemini first, OpenAI (or any OpenAI-compatible server) as fallback, or the
offline coach when no key is configured.

`RUNCOACH_LLM_PROVIDER`:

- `auto` (default): every configured provider in the order Gemini (`GEMINI_API_KEY`) → OpenAI
  (`OPENAI_API_KEY`, or `OPENAI_BASE_URL` for Ollama / llama.cpp / vLLM) behind pydantic-ai's `FallbackModel`;
  none configured → the offline coach.
- `gemini`, `openai`, `openai_compatible`: that provider alone (its key or base URL must be set).
- `offline`: the deterministic offline coach (`agent.offline`).

Fallback must be fast, so the SDKs' own retries are off (`AsyncOpenAI(max_retries=0)`, Google's
`HttpRetryOptions(attempts=1)`) and every request has `model_timeout_s`: a 503, a refused connection or a
timeout moves to the next model at once instead of after the SDK's back-off.
"""

from __future__ import annotations

from typing import Any

from pydantic_ai.models import Model
from pydantic_ai.models.fallback import FallbackModel
from pydantic_ai.settings import ModelSettings

from core.errors import InvalidInput
from core.settings import Settings, get_settings

__all__ = ["build_model", "gemini_model", "model_chain", "openai_model"]


def _settings_for(settings: Settings) -> ModelSettings:
    return ModelSettings(timeout=settings.model_timeout_s, max_retries=0)


def gemini_model(settings: Settings, *, http_client: Any = None, base_url: str | None = None) -> Model:
    """Gemini through google-genai, without SDK retries."""
    from google.genai.types import HttpRetryOptions
    from pydantic_ai.models.google import GoogleModel
    from pydantic_ai.providers.google import GoogleProvider

    if settings.gemini_api_key is None:
        raise InvalidInput("Set GEMINI_API_KEY to use Gemini, or choose another RUNCOACH_LLM_PROVIDER.")
    provider = GoogleProvider(
        api_key=settings.gemini_api_key.get_secret_value(),
        http_client=http_client,
        base_url=base_url,
        retry_options=HttpRetryOptions(attempts=1),
    )
    return GoogleModel(settings.gemini_model, provider=provider, settings=_settings_for(settings))


def openai_model(
    settings: Settings, *, compatible: bool = False, http_client: Any = None, base_url: str | None = None
) -> Model:
    """OpenAI chat completions, or an OpenAI-compatible server at `OPENAI_BASE_URL`, without SDK retries."""
    from openai import AsyncOpenAI
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    url = base_url or (settings.openai_base_url if compatible else None)
    if compatible and not url:
        raise InvalidInput(
            "Set OPENAI_BASE_URL (e.g. http://127.0.0.1:11434/v1 for Ollama) for openai_compatible."
        )
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    if key is None and not compatible:
        raise InvalidInput("Set OPENAI_API_KEY to use OpenAI, or choose another RUNCOACH_LLM_PROVIDER.")
    client = AsyncOpenAI(
        api_key=key or "not-needed",  # local servers ignore it, the SDK insists on one
        base_url=url,
        max_retries=0,
        timeout=settings.model_timeout_s,
        http_client=http_client,
    )
    name = (
        (settings.openai_compatible_model or settings.openai_model) if compatible else settings.openai_model
    )
    return OpenAIChatModel(
        name, provider=OpenAIProvider(openai_client=client), settings=_settings_for(settings)
    )


def model_chain(settings: Settings) -> list[Model]:
    """The configured models in fallback order (empty when none is configured: use the offline coach)."""
    provider = settings.llm_provider
    if provider == "offline":
        return []
    if provider == "gemini":
        return [gemini_model(settings)]
    if provider == "openai":
        return [openai_model(settings)]
    if provider == "openai_compatible":
        return [openai_model(settings, compatible=True)]
    chain: list[Model] = []
    if settings.gemini_api_key is not None:
        chain.append(gemini_model(settings))
    if settings.openai_base_url:
        chain.append(openai_model(settings, compatible=True))
    elif settings.openai_api_key is not None:
        chain.append(openai_model(settings))
    return chain


def build_model(settings: Settings | None = None) -> Model:
    """The model for this process's settings: one model, a `FallbackModel` chain, or the offline coach."""
    from agent.offline import offline_model

    settings = settings or get_settings()
    chain = model_chain(settings)
    if not chain:
        return offline_model()
    if len(chain) == 1:
        return chain[0]
    return FallbackModel(chain[0], *chain[1:])
