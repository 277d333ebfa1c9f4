"""LangGraph's PostgreSQL checkpointer: one psycopg pool per process, tables created by `setup()`.

`runcoach migrate` (and `runcoach up`) should call `setup_checkpointer_blocking(database_url)` after the
Alembic upgrade: the checkpoint tables are LangGraph's own and excluded from Alembic. `get_checkpointer()`
also runs `setup()` once per process, under an advisory lock, so a deployment that skipped it still works;
but a first-ever setup creates indexes CONCURRENTLY, which waits for every open transaction in the database,
so `agent.stream` gets its checkpointer before opening any transaction, and setup gives up after 30 s.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from agent.repository import setup_checkpoint_tables
from core.runtime import ensure_services, libpq_url

__all__ = [
    "close_checkpointer",
    "get_checkpointer",
    "open_checkpointer",
    "setup_checkpointer",
    "setup_checkpointer_blocking",
]

_SETUP_LOCK_KEY = 7_202_611_230  # arbitrary, stable: serialises concurrent setup() across processes
_CONNECTION_KWARGS: dict[str, Any] = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}

_saver: AsyncPostgresSaver | None = None
_pool: AsyncConnectionPool[Any] | None = None
_lock: asyncio.Lock | None = None


async def setup_checkpointer(database_url: str | None = None) -> None:
    """Create or migrate LangGraph's checkpoint tables (idempotent; safe with several processes)."""
    url = libpq_url(database_url or ensure_services().database_url)
    async with await AsyncConnection.connect(url, **_CONNECTION_KWARGS) as conn:
        # creating the indexes CONCURRENTLY waits for every open transaction: give up rather than hang
        await setup_checkpoint_tables(conn, lock_key=_SETUP_LOCK_KEY, lock_timeout_s=30)


async def open_checkpointer(
    database_url: str, *, max_size: int = 10
) -> tuple[AsyncPostgresSaver, AsyncConnectionPool[Any]]:
    """A new saver on its own pool (tests, benches, restarts); the caller closes the pool."""
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        libpq_url(database_url), min_size=1, max_size=max_size, kwargs=_CONNECTION_KWARGS, open=False
    )
    await pool.open()
    await setup_checkpointer(database_url)
    return AsyncPostgresSaver(pool), pool


async def get_checkpointer() -> AsyncPostgresSaver:
    """This process's checkpointer (created, and its tables set up, on first use)."""
    global _saver, _pool, _lock
    if _saver is not None:
        return _saver
    if _lock is None:
        _lock = asyncio.Lock()
    async with _lock:
        if _saver is None:
            _saver, _pool = await open_checkpointer(ensure_services().database_url)
    return _saver


async def close_checkpointer() -> None:
    global _saver, _pool, _lock
    if _pool is not None:
        await _pool.close()
    _saver, _pool, _lock = None, None, None


def setup_checkpointer_blocking(database_url: str) -> None:
    """`setup_checkpointer` for sync callers outside an event loop (`runcoach migrate`, `runcoach up`)."""
    asyncio.run(setup_checkpointer(database_url))
