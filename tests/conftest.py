"""Fixtures on real parts: one PostgreSQL (+pgvector) and one Redis per test session, migrated once.

- `DATABASE_URL` given: a fresh database `runcoach_test_<random>` is created on that server and dropped
  at the end. Otherwise the embedded pgserver is started in a temporary directory.
- `REDIS_URL` given: that server (a database number chosen by `RUNCOACH_TEST_REDIS_DB`, default 15, flushed
  between tests). Otherwise an embedded redis-server in the temporary directory.
- `db`: an AsyncSession inside a transaction that is rolled back after each test.
- `timescale_url` / `timescale_engine`: a second embedded cluster with TimescaleDB preloaded, migrated, for
  the tests that run the samples path on TimescaleDB as well (skipped locally without the build).
- model calls are blocked globally: a test that reaches a real provider fails.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from core import database, runtime
from core.embedded import TIMESCALE_SETTINGS, EmbeddedPostgres, EmbeddedRedis, timescaledb_installed
from core.migrate import upgrade
from core.runtime import Services
from core.scratch_database import create_database, drop_database
from core.settings import get_settings

pytest_plugins = ["tests.support.secret_audit"]  # secrets never reach a log line (checked at the end)

os.environ.setdefault("RUNCOACH_ENV", "test")
os.environ.setdefault("RUNCOACH_LOG_JSON", "false")

# stravalib calls `warnings.simplefilter("default")` when it is imported: imported lazily inside a test (by a
# tool module the first chat turn loads), that turns warnings-as-errors off for the rest of that test.
# Imported here, before pytest installs its filters around each test, it changes nothing.
import stravalib  # noqa: E402, F401

try:
    import pydantic_ai.models

    pydantic_ai.models.ALLOW_MODEL_REQUESTS = False
except ImportError:  # pragma: no cover
    pass


def _create_database(admin_url: str, name: str) -> str:
    import asyncio

    return asyncio.run(create_database(admin_url, name))


def _drop_database(admin_url: str, name: str) -> None:
    import asyncio

    asyncio.run(drop_database(admin_url, name))


@pytest.fixture(scope="session")
def test_home() -> Iterator[Path]:
    """The session's RUNCOACH_HOME (its embedded servers' data), removed at the end: each session's is
    hundreds of MB, and a machine that keeps them fills its disk."""
    # short path: unix socket paths are limited to ~100 bytes
    home = Path(f"/tmp/rct-{uuid.uuid4().hex[:8]}")
    home.mkdir()
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def services(test_home: Path) -> Iterator[Services]:
    """The session's PostgreSQL and Redis, migrated, installed as this process's services."""
    os.environ["RUNCOACH_HOME"] = str(test_home)
    get_settings.cache_clear()
    external_db = os.environ.get("DATABASE_URL")
    external_redis = os.environ.get("REDIS_URL")
    started: list[EmbeddedPostgres | EmbeddedRedis] = []
    db_name = f"runcoach_test_{uuid.uuid4().hex[:10]}"
    if external_db:
        admin_url = external_db
    else:
        pg = EmbeddedPostgres(test_home)
        admin_url = pg.start()
        started.append(pg)
    database_url = _create_database(admin_url, db_name)
    if external_redis:
        redis_url = external_redis.rstrip("/") + "/" + os.environ.get("RUNCOACH_TEST_REDIS_DB", "15")
    else:
        redis = EmbeddedRedis(test_home)
        redis_url = redis.start()
        started.append(redis)
    upgrade(database_url)
    svc = Services(
        database_url=database_url,
        redis_url=redis_url,
        embedded_postgres=not external_db,
        embedded_redis=not external_redis,
    )
    runtime.use_services(svc)
    yield svc
    runtime.use_services(None)
    _drop_database(admin_url, db_name)
    for server in reversed(started):
        server.stop()


@pytest.fixture(scope="session")
def timescale_url(test_home: Path) -> Iterator[str]:
    """A second embedded PostgreSQL with TimescaleDB preloaded, and a database on it migrated (the
    hypertable path of the migrations). Needs TimescaleDB built into the embedded PostgreSQL
    (`.ci/timescaledb`, run by `make test`): without it a skip locally, a failure under CI."""
    if not timescaledb_installed():
        reason = (
            "TimescaleDB is not built into the embedded PostgreSQL: run `.ci/timescaledb` (it needs "
            "../shared/timescaledb/)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    pg = EmbeddedPostgres(test_home, name="postgres-timescale", settings=TIMESCALE_SETTINGS)
    admin_url = pg.start()
    db_name = f"runcoach_tsdb_{uuid.uuid4().hex[:10]}"
    url = _create_database(admin_url, db_name)
    try:
        upgrade(url)
        yield url
    finally:
        _drop_database(admin_url, db_name)
        pg.stop()


@pytest.fixture(scope="session")
async def timescale_engine(timescale_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(timescale_url, pool_size=2, max_overflow=2)
    yield eng
    await eng.dispose()


@pytest.fixture(scope="session")
async def engine(services: Services) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(services.database_url, pool_size=5, max_overflow=10)
    database.use_engine(eng)
    yield eng
    await database.dispose_engine()


@asynccontextmanager
async def rolled_back_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session whose work is rolled back after the block (commits inside become savepoints)."""
    async with engine.connect() as conn:
        trans = await conn.begin()
        session = AsyncSession(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            await session.close()
            await trans.rollback()


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session whose work is rolled back after the test (commits inside become savepoints)."""
    async with rolled_back_session(engine) as session:
        yield session


@pytest.fixture
async def redis(services: Services) -> AsyncIterator[Redis]:
    from core import redis as core_redis

    client = Redis.from_url(services.redis_url)
    core_redis.use_redis(client)
    yield client
    await client.flushdb()
    await client.aclose()
    core_redis.use_redis(None)  # type: ignore[arg-type]


@pytest.fixture
def database_url(services: Services) -> str:
    return services.database_url


async def scalar(session: AsyncSession, sql: str, **params: object) -> object:
    return (await session.execute(text(sql), params)).scalar()
