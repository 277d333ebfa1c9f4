"""What every `runcoach` command needs: the servers ready and migrated, a coroutine run to its exit code,
a long-running role stopped cleanly on a signal."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from core.errors import CoachError
from core.runtime import ensure_services
from core.settings import Settings


def services_ready(settings: Settings) -> None:
    """Start/attach the servers and make sure the schema is current before a command touches the database.

    The embedded database is migrated automatically (it is ours); an external one is not touched: the user
    is told to run `runcoach migrate`."""
    from core.migrate import current_revision, head_revision

    services = ensure_services(settings)
    current = asyncio.run(current_revision(services.database_url))
    if current == head_revision():
        return
    if services.embedded_postgres:
        migrate(services.database_url)
        return
    raise CoachError(
        f"The database is at migration {current or 'none'}, this RunCoach needs {head_revision()}: "
        "run `runcoach migrate` first."
    )


def migrate(database_url: str, revision: str = "head") -> None:
    """Schema migrations, then LangGraph's checkpoint tables (its first setup creates an index
    CONCURRENTLY, which must not happen inside a chat turn's open transaction)."""
    from agent.checkpoint import setup_checkpointer_blocking
    from core.migrate import upgrade

    upgrade(database_url, revision)
    setup_checkpointer_blocking(database_url)


def run(coro: Coroutine[Any, Any, int]) -> int:
    """Run one async command and dispose of the engine and Redis client inside the same loop."""
    from core.database import dispose_engine
    from core.redis import close_redis

    async def wrapped() -> int:
        try:
            return await coro
        finally:
            await close_redis()
            await dispose_engine()

    return asyncio.run(wrapped())


async def until_signal(main: Callable[[asyncio.Event], Awaitable[None]]) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await main(stop)
    return 0
