"""Which model the coach talks to: Gemini first, OpenAI (or any OpenAI-compatible server) as fallback, or the
offline coach when no key is configured.

`RUNCOACH_LLM_PROVIDER`:

- `auto` (default): every configured provider in the order Gemini (`GEMINI_API_KEY`) → OpenAI
  (`OPENAI_API_KEY`) → a local OpenAI-compatible server (`OPENAI_BASE_URL`: Ollama, llama.cpp, vLLM) behind
  pydantic-ai's `FallbackModel`, with the offline coach last: when every model fails, it answers (and says
  so) instead of an error. None configured → the offline coach alone.
- `gemini`, `openai`, `openai_compatible`: that provider alone (its key or base URL must be set).
- `offline`: the deterministic offline coach (`agent.offline`).

Fallback must be fast, so the SDKs' own retries are off (`AsyncOpenAI(max_retries=0)`, Google's
`HttpRetryOptions(attempts=1)`) and every request has `model_timeout_s`: a 503, a refused connection or a
timeout moves to the next model at once instead of after the SDK's back-off.

A configured model that its provider deprecated or retired (by the installed pydantic-ai's table of the
providers' announcements, `ModelProfile.deprecation`) is reported, never fatal: `deprecation_of` describes it
for the Settings page's model check; `report_deprecations` logs it once per process (the api does at start-up)
and keeps pydantic-ai's per-request `DeprecatedModelWarning` for that model quiet, so a chat turn is never
broken by it (for example under `python -W error`).
"""

from __future__ import annotations

import logging
import re
import warnings
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field
from pydantic_ai import DeprecatedModelWarning
from pydantic_ai.models import Model
from pydantic_ai.models.fallback import FallbackModel
from pydantic_ai.settings import ModelSettings

from core.errors import InvalidInput
from core.settings import Settings, get_settings

__all__ = [
    "ModelDeprecationNotice",
    "build_model",
    "deprecation_of",
    "gemini_model",
    "model_chain",
    "openai_model",
    "report_deprecations",
    "with_offline_fallback",
]

log = logging.getLogger(__name__)


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
    """OpenAI through its Responses API, or an OpenAI-compatible server at `OPENAI_BASE_URL` through chat
    completions (what Ollama, llama.cpp and vLLM serve), without SDK retries.

    OpenAI's current models reason, and OpenAI refuses tools with reasoning on over chat completions: the
    Responses API is the one that takes both."""
    from openai import AsyncOpenAI
    from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
    from pydantic_ai.providers.openai import OpenAIProvider

    url = base_url or (settings.openai_base_url if compatible else None)
    if compatible and not url:
        raise InvalidInput(
            "Set OPENAI_BASE_URL (e.g. http://127.0.0.1:11434/v1 for Ollama) for openai_compatible."
        )
    if compatible and base_url is None and not settings.openai_compatible_model:
        # OpenAI's own model names would go to the local server, which does not serve them
        raise InvalidInput(
            "Set RUNCOACH_OPENAI_COMPATIBLE_MODEL to the model your server at OPENAI_BASE_URL serves "
            "(Ollama: one of `ollama list`, e.g. llama3.1)."
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
    model_class = OpenAIChatModel if compatible else OpenAIResponsesModel
    return model_class(name, provider=OpenAIProvider(openai_client=client), settings=_settings_for(settings))


def model_chain(settings: Settings) -> list[Model]:
    """The configured models in fallback order (empty when none is configured: use the offline coach).

    `auto`: Gemini (GEMINI_API_KEY), then OpenAI (OPENAI_API_KEY), then a local OpenAI-compatible server
    (OPENAI_BASE_URL with RUNCOACH_OPENAI_COMPATIBLE_MODEL): each one that is configured, in that order."""
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
    if settings.openai_api_key is not None:
        chain.append(openai_model(settings))
    if settings.openai_base_url:
        chain.append(openai_model(settings, compatible=True))
    return chain


class ModelDeprecationNotice(BaseModel):
    """A configured model its provider deprecated or retired, and what to configure instead."""

    model: str
    setting: str = Field(description="the environment variable that chooses this model")
    retirement_date: date | None = Field(description="when the provider stops serving it (as announced)")
    retired: bool = Field(description="the retirement date has passed")
    rerouted_to: str | None = Field(description="the model the provider answers this name with once retired")
    replacement: str | None = Field(description="the model the provider recommends instead")
    source_url: str = Field(description="the provider's announcement")
    message: str = Field(description="what happens, and what to set")


def _setting_name(model: Model) -> str:
    from pydantic_ai.models.google import GoogleModel

    if isinstance(model, GoogleModel):
        return "RUNCOACH_GEMINI_MODEL"
    host = urlsplit(str(getattr(model, "base_url", "") or "")).hostname or ""
    # a compatible server that forwards OpenAI's names (a proxy) is held to OpenAI's schedule too
    return "RUNCOACH_OPENAI_MODEL" if host in ("", "api.openai.com") else "RUNCOACH_OPENAI_COMPATIBLE_MODEL"


def deprecation_of(model: Model, *, today: date | None = None) -> ModelDeprecationNotice | None:
    """The provider's deprecation of `model`, per the installed pydantic-ai, or None when it has none."""
    deprecation = model.profile.get("deprecation")
    if deprecation is None:
        return None
    setting = _setting_name(model)
    today = today or date.today()
    name = model.model_name
    when = deprecation.retirement_date
    retired = when is not None and when <= today
    if retired:
        what = f"{name} was retired by its provider on {when}"
        what += (
            f"; requests to it are answered by {deprecation.rerouted_to} instead"
            if deprecation.rerouted_to
            else "; requests to it fail"
        )
    else:
        what = f"{name} is deprecated by its provider" + (f" and retires on {when}" if when else "")
    advice = (
        f"Set {setting}={deprecation.replacement} (the provider's recommended replacement)."
        if deprecation.replacement
        else f"Choose a current model with {setting}."
    )
    return ModelDeprecationNotice(
        model=name,
        setting=setting,
        retirement_date=when,
        retired=retired,
        rerouted_to=deprecation.rerouted_to,
        replacement=deprecation.replacement,
        source_url=deprecation.source_url,
        message=f"{what}. {advice} See {deprecation.source_url}",
    )


_reported: set[str] = set()


def report_deprecations(models: list[Model]) -> list[ModelDeprecationNotice]:
    """Log each deprecated model of the chain (once per process); quiet pydantic-ai's per-request warning."""
    notices = [n for n in map(deprecation_of, models) if n is not None]
    for notice in notices:
        # the filter is (re)installed on every call: a test harness or `catch_warnings` may have reset it
        warnings.filterwarnings(
            "ignore",
            message=rf"Model '(?:[\w.-]+:)?{re.escape(notice.model)}' is deprecated",
            category=DeprecatedModelWarning,
        )
        if notice.model not in _reported:
            _reported.add(notice.model)
            log.warning("model %s: %s", notice.model, notice.message)
    return notices


def build_model(settings: Settings | None = None) -> Model:
    """The model for this process's settings: the configured chain with the offline coach behind it."""
    settings = settings or get_settings()
    chain = model_chain(settings)
    report_deprecations(chain)
    return with_offline_fallback(chain)


def with_offline_fallback(chain: list[Model]) -> Model:
    """The chain behind one `FallbackModel` with the offline coach last: when every configured model fails
    (down, refusing the key, out of quota), the offline coach answers and says so. No chain: offline alone."""
    from agent.offline import offline_model

    if not chain:
        return offline_model()
    return FallbackModel(chain[0], *chain[1:], offline_model(fallback=True))
