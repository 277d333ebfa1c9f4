from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from core.logs import redact
from core.runtime import fernet_key, normalise_database_url
from core.settings import Settings


def test_production_refuses_placeholder_secrets_and_embedded_servers() -> None:
    with pytest.raises(ValidationError, match="RUNCOACH_FERNET_KEY"):
        Settings(
            env="production", fernet_key="changeme", database_url="postgresql://x/y", redis_url="redis://r"
        )
    with pytest.raises(ValidationError, match="DATABASE_URL and REDIS_URL"):
        Settings(env="production", fernet_key=Fernet.generate_key().decode())


def test_fernet_key_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    key = fernet_key(settings)
    Fernet(key)  # a valid key
    path = tmp_path / "fernet.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert fernet_key(settings) == key
    path.chmod(0o644)
    assert fernet_key(settings) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_database_urls_are_normalised_to_asyncpg() -> None:
    assert normalise_database_url("postgres://u:p@h/db") == "postgresql+asyncpg://u:p@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert normalise_database_url("postgresql+asyncpg://u@h/db") == "postgresql+asyncpg://u@h/db"


def test_logs_redact_tokens_and_passwords() -> None:
    line = 'Authorization: Bearer abc.def.ghi password=hunter22 {"api_key": "sk-123"}'
    cleaned = redact(line)
    for secret in ("abc.def.ghi", "hunter22", "sk-123"):
        assert secret not in cleaned
    assert "[redacted]" in cleaned
