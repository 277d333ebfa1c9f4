"""Throwaway databases on a PostgreSQL server: the test suite and the evaluation each create their own,
migrate it, and drop it at the end, so neither touches the athlete's data."""

from __future__ import annotations

import asyncpg
from sqlalchemy import make_url

from core.runtime import normalise_database_url


def _admin(admin_url: str) -> str:
    return (
        make_url(normalise_database_url(admin_url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


async def create_database(admin_url: str, name: str) -> str:
    """Create database `name` on the server of `admin_url`; return its (asyncpg dialect) URL."""
    conn = await asyncpg.connect(_admin(admin_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = make_url(normalise_database_url(admin_url)).set(database=name)
    return url.render_as_string(hide_password=False)


async def drop_database(admin_url: str, name: str) -> None:
    """Drop database `name` (closing its other connections)."""
    conn = await asyncpg.connect(_admin(admin_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
