"""Alembic, driven from code: `runcoach migrate`, `make run`, and the test fixtures all come here."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s")
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.attributes["database_url"] = database_url
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("postgresql+asyncpg://unused")).get_current_head()


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


async def current_revision(database_url: str) -> str | None:
    engine = create_async_engine(database_url)
    try:
        return await engine_revision(engine)
    finally:
        await engine.dispose()


async def engine_revision(engine: AsyncEngine) -> str | None:
    """The revision the database behind `engine` is migrated to (None: not migrated at all)."""
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def is_current(database_url: str) -> bool:
    return await current_revision(database_url) == head_revision()


def upgrade_blocking(database_url: str) -> None:
    """Run `upgrade` from sync code that may or may not already be inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        upgrade(database_url)
        return
    raise RuntimeError("call core.migrate.upgrade from a thread, not from inside the event loop")
