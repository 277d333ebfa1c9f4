"""Resolve where PostgreSQL and Redis are, starting the embedded ones when no URL is configured.

`ensure_services()` is called once per process by the CLI (or by tests). Child processes started by
`runcoach up` receive the resolved URLs in their environment and never start servers themselves.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import stat
from dataclasses import dataclass

from cryptography.fernet import Fernet

from core.embedded import EmbeddedPostgres, EmbeddedRedis
from core.settings import Settings, get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    database_url: str
    redis_url: str
    embedded_postgres: bool
    embedded_redis: bool


_services: Services | None = None
_embedded: list[EmbeddedPostgres | EmbeddedRedis] = []


def ensure_services(settings: Settings | None = None) -> Services:
    """Return the database and Redis URLs for this process, starting embedded servers if needed."""
    global _services
    if _services is not None:
        return _services
    settings = settings or get_settings()
    database_url = settings.database_url
    redis_url = settings.redis_url
    if database_url is None:
        pg = EmbeddedPostgres(settings.home)
        database_url = pg.start()
        _embedded.append(pg)
    if redis_url is None:
        redis = EmbeddedRedis(settings.home)
        redis_url = redis.start()
        _embedded.append(redis)
    _services = Services(
        database_url=normalise_database_url(database_url),
        redis_url=redis_url,
        embedded_postgres=settings.database_url is None,
        embedded_redis=settings.redis_url is None,
    )
    atexit.register(stop_services)
    return _services


def use_services(services: Services | None) -> None:
    """Set this process's services explicitly (tests point everything at their own servers this way)."""
    global _services
    _services = services


def stop_services() -> None:
    """Stop the embedded servers this process started (Redis first: it may still flush to disk)."""
    global _services
    while _embedded:
        server = _embedded.pop()
        with contextlib.suppress(Exception):
            server.stop()
    _services = None


def normalise_database_url(url: str) -> str:
    """Accept postgres://, postgresql:// or postgresql+asyncpg:// and return the asyncpg dialect URL."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def libpq_url(url: str) -> str:
    """The same database as a libpq URL (psycopg, asyncpg.connect, LangGraph's checkpointer)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def fernet_key(settings: Settings | None = None) -> bytes:
    """The key that encrypts third-party credentials: from settings, or generated once under home (0600)."""
    settings = settings or get_settings()
    if settings.fernet_key is not None:
        return settings.fernet_key.get_secret_value().encode()
    path = settings.home / "fernet.key"
    if not path.exists():
        settings.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        os.chmod(path, 0o600)
        log.warning("tightened permissions of %s to 0600", path)
    return path.read_bytes().strip()
