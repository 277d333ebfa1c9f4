"""The async SQLAlchemy engine and the unit of work.

Only the unit of work commits: a request dependency, a job wrapper or a CLI command opens `session_scope()`,
which commits on success and rolls back on any error. Repository and tool functions flush at most.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from asyncpg import InternalClientError
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from core import data_versions  # noqa: F401  (registers the events that bump data versions on commit)
from core.runtime import ensure_services
from core.settings import get_settings

#: SQLSTATEs that mean "the server is not serving right now" rather than "this query is wrong": a
#: connection exception (class 08), shutting down / crashed / still starting up (57P01-57P03), too many
#: connections (53300). Worth a retry; never a bug.
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")

_engine: AsyncEngine | None = None
_sessionmaker: async_sessionmaker[AsyncSession] | None = None


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=20,
        pool_pre_ping=True,
        hide_parameters=True,
        pool_timeout=10,
        connect_args={
            "timeout": 5,
            "command_timeout": 60,
            # a runaway query ends with an error instead of holding a connection and its locks for good
            "server_settings": {
                "application_name": "runcoach",
                "statement_timeout": str(int(get_settings().statement_timeout_s * 1000)),
            },
        },
    )
    event.listen(engine.sync_engine, "handle_error", _drop_broken_connections)
    return engine


def _drop_broken_connections(context: ExceptionContext) -> None:
    """A connection the server cut (shutting down: 57P01) or that asyncpg left mid-operation ("another
    operation is in progress") must not go back to the pool: SQLAlchemy only sees asyncpg's connection as
    gone once its socket is closed, and a restart reaches the pool before that. Marked as a disconnect, it is
    thrown away (with the pool's older connections) and the error is a 503, not a 500 on the next request."""
    original = context.original_exception
    if is_unavailable(original) or isinstance(original.__cause__, InternalClientError):
        context.is_disconnect = True


def get_engine() -> AsyncEngine:
    global _engine, _sessionmaker
    if _engine is None:
        _engine = create_engine(ensure_services().database_url)
        _sessionmaker = async_sessionmaker(_engine, expire_on_commit=False)
    return _engine


def get_sessionmaker() -> async_sessionmaker[AsyncSession]:
    get_engine()
    assert _sessionmaker is not None
    return _sessionmaker


def use_engine(engine: AsyncEngine) -> None:
    """Make `engine` this process's engine (tests bind a per-test connection this way)."""
    global _engine, _sessionmaker
    _engine = engine
    _sessionmaker = async_sessionmaker(engine, expire_on_commit=False)


_KEEP_ON_ERROR = "runcoach_keep_on_error"


def keep_on_error(session: AsyncSession) -> None:
    """Commit what the unit of work has written even though it ends in an error: for a write that records
    something already done elsewhere (the id of a copy uploaded to Garmin before scheduling it failed), which
    a rollback would orphan."""
    session.info[_KEEP_ON_ERROR] = True


@asynccontextmanager
async def session_scope(
    sessionmaker: async_sessionmaker[AsyncSession] | None = None,
) -> AsyncIterator[AsyncSession]:
    """The unit of work: commit on success, roll back on error (commit, then raise, if `keep_on_error`).
    `sessionmaker`: another one than the process's (a request's, which tests point elsewhere)."""
    async with (sessionmaker or get_sessionmaker())() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            if session.info.pop(_KEEP_ON_ERROR, False):
                await session.commit()
            else:
                await session.rollback()
            raise


def is_unavailable(exc: BaseException) -> bool:
    """Whether a database error means the server is away (restarting, starting up, connection cut)."""
    if getattr(exc, "connection_invalidated", False):
        return True
    code = getattr(getattr(exc, "orig", exc), "sqlstate", None)
    return isinstance(code, str) and code.startswith(UNAVAILABLE_SQLSTATES)


async def dispose_engine() -> None:
    global _engine, _sessionmaker
    if _engine is not None:
        await _engine.dispose()
    _engine = None
    _sessionmaker = None
