"""The one Settings class. Nothing else in RunCoach reads the environment.

Every setting has a default that works on a laptop with nothing installed (`make run`): no database URL
means the embedded PostgreSQL, no Redis URL means the embedded Redis, no model key means the offline coach.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "password", ""}


def _default_home() -> Path:
    return Path(platformdirs.user_data_dir("runcoach", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RUNCOACH_", extra="ignore", populate_by_name=True)

    # where things live
    env: Literal["development", "production", "test"] = "development"
    home: Path = Field(default_factory=_default_home, description="data directory (embedded servers, keys)")
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "RUNCOACH_DATABASE_URL"),
        description="postgresql+asyncpg://… ; unset = embedded PostgreSQL (pgserver) under home",
    )
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL", "RUNCOACH_REDIS_URL"),
        description="redis://… or unix://… ; unset = embedded Redis under home",
    )

    # serving
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    cors_origins: list[str] = Field(default_factory=list)
    fernet_key: SecretStr | None = Field(
        default=None, description="key for third-party credentials; unset = generated once under home (0600)"
    )

    # models
    llm_provider: Literal["auto", "offline", "gemini", "openai", "openai_compatible"] = "auto"
    gemini_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("GEMINI_API_KEY", "GOOGLE_API_KEY", "RUNCOACH_GEMINI_API_KEY"),
    )
    gemini_model: str = "gemini-2.5-flash"
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "RUNCOACH_OPENAI_API_KEY")
    )
    openai_model: str = "gpt-4.1-mini"
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "RUNCOACH_OPENAI_BASE_URL"),
        description="OpenAI-compatible server (Ollama, llama.cpp, vLLM): http://127.0.0.1:11434/v1",
    )
    model_timeout_s: float = 30.0

    # integrations
    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "RUNCOACH_TELEGRAM_BOT_TOKEN")
    )
    telegram_webhook_secret: SecretStr | None = None
    strava_client_id: str | None = None
    strava_client_secret: SecretStr | None = None
    garmin_domain: str = "garmin.com"

    # data
    fit_decoder: Literal["fitparse", "fast"] = "fast"
    demo_email: str = "demo@runcoach.local"
    demo_password: SecretStr = SecretStr("demo-runner")

    # logs
    log_level: str = "INFO"
    log_json: bool = True

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.env == "production":
            if self.fernet_key is None or self.fernet_key.get_secret_value().lower() in PLACEHOLDER_SECRETS:
                raise ValueError("RUNCOACH_FERNET_KEY must be set to a real Fernet key in production")
            if self.database_url is None or self.redis_url is None:
                raise ValueError("DATABASE_URL and REDIS_URL must be set in production (no embedded servers)")
        return self

    @property
    def run_dir(self) -> Path:
        return self.home / "run"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
