"""LangGraph's PostgreSQL checkpointer: one psycopg pool per process, tables created by `setup()`.

`runcoach migrate` (and `runcoach up`) should call `setup_checkpointer_blocking(database_url)` after the
Alembic upgrade: the checkpoint tables are LangGraph's own and excluded from Alembic. `get_checkpointer()`
also runs `setup()` once per process, under an advisory lock, so a deployment that skipped it still works;
but a first-ever setup creates indexes CONCURRENTLY, which waits for every open transaction in the database,
so `agent.stream` gets its checkpointer before opening any transaction, and setup gives up after 30 s.

A turn reads its thread's latest checkpoint once: `TurnSaver.latest` reads it before the run (the approval the
thread waits for) and keeps it for the run's own first read (`aget_tuple` at the start of `astream`), which
would otherwise select and deserialise the same rows again. The thread's lock means nothing writes between
the two; what `latest` kept is used once, by the turn that read it (`keep_for_turn`), and never after it.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import CheckpointTuple
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from agent.repository import setup_checkpoint_tables
from core.runtime import ensure_services, libpq_url

__all__ = [
    "TurnSaver",
    "close_checkpointer",
    "get_checkpointer",
    "keep_for_turn",
    "open_checkpointer",
    "setup_checkpointer",
    "setup_checkpointer_blocking",
]

_SETUP_LOCK_KEY = 7_202_611_230  # arbitrary, stable: serialises concurrent setup() across processes
_CONNECTION_KWARGS: dict[str, Any] = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}

#: the latest checkpoint a turn read, for the run's own first read: [thread id, tuple], emptied once used
_kept: ContextVar[list[Any] | None] = ContextVar("runcoach_kept_checkpoint", default=None)


class TurnSaver(AsyncPostgresSaver):
    """LangGraph's PostgreSQL saver, reading a turn's latest checkpoint once (see the module docstring)."""

    async def latest(self, thread_id: str, *, keep: bool = False) -> CheckpointTuple | None:
        """The thread's latest checkpoint; with `keep` (a turn, after `keep_for_turn`), kept for the run's
        first read."""
        saved = await super().aget_tuple({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}})
        kept = _kept.get()
        if keep and kept is not None:
            kept[:] = [thread_id, saved]
        return saved

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        kept = _kept.get()
        if kept:
            wanted = config.get("configurable") or {}
            if (
                wanted.get("thread_id") == kept[0]
                and not wanted.get("checkpoint_ns")
                and not wanted.get("checkpoint_id")
            ):
                saved: CheckpointTuple | None = kept[1]
                kept.clear()  # once: every later read goes to the database
                return saved
        return await super().aget_tuple(config)


def keep_for_turn() -> list[Any]:
    """A new, empty place for what `TurnSaver.latest(keep=True)` keeps, for this context and the tasks it
    starts from now on; the turn empties it when it ends (`list.clear()`), so nothing is kept after it."""
    kept: list[Any] = []
    _kept.set(kept)
    return kept


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
    return TurnSaver(pool), pool


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
