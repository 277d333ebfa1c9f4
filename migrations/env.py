"""Alembic environment (async, asyncpg). Run through `runcoach migrate` or `core.migrate`."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

import core.models  # noqa: F401  (registers every table)
from core.models import Base

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """Leave out what migrations create by hand: the samples and rollup tables (partitions or hypertable
    chunks), the per-dimension HNSW expression indexes, and LangGraph's checkpoint tables."""
    if type_ == "table" and name.startswith(
        (
            "activity_samples",
            "activity_sample_minutes",
            "activity_sample_hr_quarters",
            "activity_sample_pace_quarters",
            "checkpoint",
        )
    ):
        return False
    return not (type_ == "index" and name and name.startswith("ix_knowledge_chunks_embedding_"))


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    connectable = async_engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    async with connectable.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await connectable.dispose()


def run_migrations_online() -> None:
    existing = config.attributes.get("connection")
    if existing is not None:
        do_run_migrations(existing)
        return
    asyncio.run(run_async_migrations())


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `runcoach migrate`")
run_migrations_online()
