"""What every database bench does around its measurement: its own data directory, embedded servers,
migrations, and a clean stop.

    run_on_fresh_database(lambda: _bench(...))                  # always a temporary RUNCOACH_HOME
    run_on_fresh_database(lambda: _bench(...), reuse_home=True)  # RUNCOACH_HOME / DATABASE_URL if set
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Callable, Coroutine
from typing import Any


def run_on_fresh_database(
    bench: Callable[[], Coroutine[Any, Any, None]], *, reuse_home: bool = False, **env: str
) -> None:
    """Run `bench()` against migrated servers. By default a temporary data directory with embedded
    PostgreSQL/Redis (never your data directory, never DATABASE_URL); `reuse_home=True` keeps an
    RUNCOACH_HOME/DATABASE_URL/REDIS_URL already set. `env` sets defaults (e.g. RUNCOACH_LLM_PROVIDER)."""
    home = None
    if not (reuse_home and "RUNCOACH_HOME" in os.environ):
        home = tempfile.mkdtemp(prefix="rcb-", dir="/tmp")
        os.environ["RUNCOACH_HOME"] = home
    if not reuse_home:
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("RUNCOACH_LOG_JSON", "false")
    for name, value in env.items():
        os.environ.setdefault(name, value)
    from core.migrate import upgrade
    from core.runtime import ensure_services, stop_services

    try:
        upgrade(ensure_services().database_url)
        asyncio.run(bench())
    finally:
        stop_services()
        if home:
            shutil.rmtree(home, ignore_errors=True)
