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
    statement_timeout_s: float = Field(
        default=60.0, ge=0, description="longest one SQL statement may run (api, worker, CLI); 0 = no limit"
    )
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL", "RUNCOACH_REDIS_URL"),
        description="redis://… or unix://… ; unset = embedded Redis under home",
    )

    # serving
    host: str = "127.0.0.1"
    port: int = 8000
    metrics_port: int | None = Field(
        default=None,
        description="worker/scheduler/bot: serve Prometheus metrics on this port (the api: /metrics/)",
    )
    api_drain_s: float = Field(
        default=0.0,
        ge=0.0,
        le=300.0,
        description="api: on SIGTERM, answer /readyz with 503 (still serving) this long before stopping, so "
        "a load balancer that polls it stops routing here first; 0 = stop at once (nginx switches by itself)",
    )
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
    gemini_model: str = "gemini-3.8-flash"
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "RUNCOACH_OPENAI_API_KEY")
    )
    openai_model: str = "gpt-6-luna"
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
    # telegram (bots/telegram, tools/notifications)
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        description="Bot API server (a local Bot API server or a test fake)",
    )
    telegram_edit_interval_s: float = Field(
        default=1.0, ge=0.0, le=30.0, description="streamed replies edit a message at most this often"
    )
    telegram_max_file_mb: int = Field(default=20, ge=1, le=2000, description="largest FIT file accepted")
    strava_client_id: str | None = None
    strava_api_import: bool = Field(
        default=False,
        description="import activities through the Strava API (off by default: Strava's API Agreement of "
        "Nov 2024 restricts AI use of API data, and its API policy in force from June 2026, section 5.3, "
        "forbids using Strava API data in the operation of any AI application, naming ingestion into a "
        "model's context window). Upload to Strava and importing your own Strava bulk export are unaffected",
    )
    strava_client_secret: SecretStr | None = None
    garmin_domain: str = "garmin.com"
    # integrations: Garmin Connect and Strava sync (tools/garmin, tools/strava)
    garmin_first_sync_days: int = Field(
        default=90, ge=1, le=36500, description="history of the first Garmin sync (full history on request)"
    )
    garmin_sync_overlap_days: int = Field(
        default=2, ge=0, le=30, description="later syncs look back this far before the last (late uploads)"
    )
    sync_interval_min: int = Field(
        default=180,
        ge=0,
        le=7 * 24 * 60,
        description="the scheduler syncs each connected Garmin / Strava account again once its last sync is "
        "this old (minutes; 0: only on request and by push)",
    )
    garmin_health_days_max: int = Field(
        default=30, ge=1, le=366, description="days of daily health (sleep, HRV, …) fetched per sync at most"
    )
    garmin_mfa_timeout_s: int = Field(
        default=300, ge=30, le=1800, description="how long a Garmin sign-in waits for the MFA code"
    )
    strava_redirect_path: str = Field(
        default="/api/v1/integrations/strava/callback",
        description="path on public_url that Strava redirects back to after authorization",
    )
    strava_scopes: list[str] = Field(default_factory=lambda: ["read", "activity:read_all", "activity:write"])
    strava_first_sync_days: int = Field(
        default=30, ge=1, le=36500, description="history of the first Strava import"
    )
    strava_upload_poll_s: float = Field(default=1.0, ge=0.0, le=60.0, description="Strava asks for ≥ 1 s")
    strava_upload_timeout_s: float = Field(
        default=120.0, ge=1.0, le=3600.0, description="polling an upload longer than this retries later"
    )
    # push sync (api/routes/webhooks.py, tools/integrations/push): Strava webhook, Garmin push endpoint
    strava_webhook_verify_token: SecretStr | None = Field(
        default=None, description="enables the Strava webhook; Strava echoes it in the subscription handshake"
    )
    strava_webhook_callback_url: str | None = Field(
        default=None, description="callback given to Strava; unset = {public_url}/api/v1/webhooks/strava"
    )
    strava_subscription_id: int | None = Field(
        default=None, description="our Strava push subscription; unset = asked from Strava (cached an hour)"
    )
    garmin_push_token: SecretStr | None = Field(
        default=None, description="enables POST /api/v1/webhooks/garmin; sent as X-RunCoach-Push-Token"
    )

    # jobs
    job_visibility_timeout_s: float = Field(
        default=300.0,
        ge=1.0,
        le=86400.0,
        description="a job a worker took but never acknowledged (the worker died) goes to another worker "
        "after this long",
    )
    worker_shutdown_grace_s: float = Field(
        default=30.0,
        ge=0.0,
        le=3600.0,
        description="on SIGTERM a worker takes no new job and gives running ones this long to finish; the "
        "rest are cancelled (rolled back) and handed to another worker at once",
    )

    # data
    fit_decoder: Literal["fitparse", "fast"] = "fast"
    upload_max_files: int = Field(default=50, ge=1, le=1000, description="FIT files per upload")
    upload_max_file_bytes: int = Field(
        default=25 * 2**20, ge=1024, description="size limit of one uploaded file"
    )
    archive_max_bytes: int = Field(
        default=4 * 2**30, ge=1024, description="size limit of one Strava export zip (upload or CLI)"
    )
    archive_max_unpacked_bytes: int = Field(
        default=8 * 2**30,
        ge=1024,
        description="total unpacked size of the members a Strava export import reads (a zip bomb stops here)",
    )
    upload_max_request_bytes: int = Field(
        default=256 * 2**20,
        ge=1024,
        description="the whole upload request (all its files): 413 as soon as more arrives",
    )
    max_body_bytes: int = Field(
        default=2**20,
        ge=1024,
        description="request body limit of every other route (JSON): 413 as soon as more arrives",
    )
    demo_email: str = "demo@runcoach.local"
    demo_password: SecretStr = SecretStr("demo-runner")

    # storage: original FIT files (tools/activities/originals.py); unset bucket = on disk under home
    s3_bucket: str | None = Field(default=None, description="keep originals in this S3-compatible bucket")
    s3_endpoint_url: str = Field(
        default="https://s3.amazonaws.com",
        description="S3-compatible endpoint (AWS, MinIO http://127.0.0.1:9000, R2, B2…); path-style URLs",
    )
    s3_region: str = "us-east-1"
    s3_prefix: str = Field(default="originals/", description="key prefix of the originals in the bucket")
    s3_access_key_id: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("RUNCOACH_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID")
    )
    s3_secret_access_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("RUNCOACH_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY")
    )
    s3_timeout_s: float = Field(default=30.0, gt=0.0, le=600.0)

    # logs
    log_level: str = "INFO"
    log_json: bool = True

    # api
    session_idle_ttl_s: int = Field(
        default=14 * 24 * 3600,
        ge=60,
        description="a session ends after this long without a request (sliding)",
    )
    session_max_age_s: int = Field(
        default=30 * 24 * 3600, ge=60, description="a session ends this long after sign-in, however active"
    )
    forwarded_allow_ips: str | None = Field(
        default=None,
        description="proxies whose X-Forwarded-Proto/-For the app trusts (comma-separated IPs/CIDRs or '*'); "
        "unset = only what the server (uvicorn --proxy-headers) already applied",
    )
    rate_limit_login_account: str = Field(default="5/minute", description="sign-in attempts per account")
    rate_limit_login_ip: str = Field(default="20/minute", description="sign-in attempts per client IP")
    rate_limit_register_ip: str = Field(default="10/hour", description="sign-ups per client IP")
    rate_limit_password_change: str = Field(default="5/minute", description="password changes per user")
    rate_limit_verification_mail: str = Field(default="5/hour", description="verification mails per user")
    rate_limit_chat_user: str = Field(default="30/minute", description="chat messages per user")
    rate_limit_webhook_ip: str = Field(default="600/minute", description="Strava/Garmin push calls per IP")
    # chat over SSE (api/chat)
    chat_context_cache_s: int = Field(
        default=600,
        ge=0,
        le=86_400,
        description="keep a turn's athlete context in Redis this long under their data version (0: load it "
        "every turn)",
    )
    chat_turn_timeout_s: float = Field(
        default=180.0,
        ge=1.0,
        le=3600.0,
        description="a chat turn still running after this ends with an error",
    )
    chat_buffer_ttl_s: int = Field(
        default=3600, ge=60, description="how long a turn's events stay in Redis for reconnecting clients"
    )
    chat_heartbeat_s: float = Field(
        default=15.0, gt=0.0, le=300.0, description="SSE keep-alive comment interval"
    )
    chat_max_streams_per_user: int = Field(
        default=8,
        ge=1,
        le=1000,
        description="event streams (POST …/messages, GET …/events) one user may have open at once, across "
        "replicas; more are a 429",
    )
    chat_stream_connections: int = Field(
        default=200,
        ge=1,
        le=10_000,
        description="Redis connections one api process uses for streams' blocking reads (their own pool: "
        "readers never take the connections of sessions, sign-ins and rate limits); more readers wait",
    )
    redis_max_connections: int = Field(
        default=100, ge=1, le=10_000, description="the process's Redis pool (sessions, locks, queue, caches)"
    )
    chat_max_concurrent_turns: int = Field(
        default=24,
        ge=1,
        le=1000,
        description="turns one api process runs at once (more wait their turn, told their place at once); "
        "sized for turns that mostly wait for a remote model, below the database pool (each running turn "
        "holds a connection)",
    )
    chat_max_computing_turns: int = Field(
        default=4,
        ge=1,
        le=1000,
        description="of the running turns, how many may compute at once (context, tools, saving); a turn "
        "waiting for its model gives its place back",
    )
    chat_max_turns_per_user: int = Field(
        default=2,
        ge=1,
        le=1000,
        description="of those, how many one user's turns may take at once (the rest wait; free slots go to "
        "the waiting user with the fewest turns running)",
    )
    chat_shutdown_grace_s: float = Field(
        default=30.0,
        ge=0.0,
        le=3600.0,
        description="an api stopping gives its running chat turns this long to finish (their clients resume "
        "on another replica); the rest end as interrupted, saved",
    )
    max_api_tokens_per_user: int = 50

    # agent
    openai_compatible_model: str | None = Field(
        default=None, description="the model name OPENAI_BASE_URL serves (e.g. llama3.1); needed with it"
    )
    agent_max_model_requests: int = Field(default=8, ge=1, le=50, description="model requests per turn")
    agent_history_messages: int = Field(
        default=40, ge=2, le=400, description="model messages of a thread's history sent with each turn"
    )
    embedding_provider: Literal["auto", "hashing", "local", "gemini", "openai"] = Field(
        default="auto",
        description="auto: Gemini key → Gemini, OpenAI key → OpenAI, local model installed → local, "
        "else hashing-ngram-384 (keyless, lexical)",
    )
    gemini_embedding_model: str = "gemini-embedding-001"
    openai_embedding_model: str = "text-embedding-3-small"
    embedding_threads: int = Field(default=1, ge=1, le=64, description="torch threads for the local model")

    # mcp (api/mcp: the tools over the Model Context Protocol, `runcoach mcp`)
    mcp_token: SecretStr | None = Field(
        default=None, description="personal API token that `runcoach mcp` (stdio) acts as; or --token"
    )
    mcp_port: int = Field(default=8765, ge=1, le=65535, description="`runcoach mcp --transport http` port")
    mcp_confirmation_ttl_s: int = Field(
        default=86400,
        ge=30,
        le=7 * 86400,
        description="how long a side effect an MCP client asked for waits for the athlete's approval (and "
        "its result for the client to collect)",
    )

    # e-mail (tools/account/mailer.py): verification links, "you already have an account"
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server that sends RunCoach's e-mail; unset = no e-mail is sent: each message "
        "(with its link) is written to the server log at WARNING for the admin to pass on",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="starttls (port 587), tls (implicit, port 465) or none (a local relay)",
    )
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = Field(
        default="RunCoach <runcoach@localhost>", description="the From: of RunCoach's mail"
    )
    smtp_timeout_s: float = Field(default=20.0, gt=0.0, le=300.0)
    email_verification_ttl_s: int = Field(
        default=3 * 24 * 3600, ge=300, le=30 * 24 * 3600, description="how long a verification link works"
    )

    # google (api/routes/google_auth.py: sign in with Google, OpenID Connect)
    google_issuer: str = Field(
        default="https://accounts.google.com", description="OpenID issuer; its discovery document is used"
    )
    google_client_id: str | None = None
    google_client_secret: SecretStr | None = None
    google_login_ttl_s: int = Field(
        default=600, ge=60, le=3600, description="how long a started Google sign-in may take"
    )

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.env == "production":
            if self.fernet_key is None or self.fernet_key.get_secret_value().lower() in PLACEHOLDER_SECRETS:
                raise ValueError("RUNCOACH_FERNET_KEY must be set to a real Fernet key in production")
            if self.database_url is None or self.redis_url is None:
                raise ValueError("DATABASE_URL and REDIS_URL must be set in production (no embedded servers)")
            for name in ("strava_webhook_verify_token", "garmin_push_token"):
                value = getattr(self, name)
                if value is not None and value.get_secret_value().lower() in PLACEHOLDER_SECRETS:
                    raise ValueError(f"RUNCOACH_{name.upper()} must be a real secret in production")
        return self

    @property
    def run_dir(self) -> Path:
        return self.home / "run"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
