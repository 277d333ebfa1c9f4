"""Fixtures for the resource routes: signed-in athletes with real data, and cleanup of what users leave
behind outside ON DELETE CASCADE (per-second samples have no foreign key; staged uploads are large objects).

- `athlete`: the demo athlete's generated training (3 weeks of runs with per-second samples, daily
  health, a shoe, an A race) seeded through the product's own path, signed in through the API.
- `sign_up` (from tests/api/conftest.py): an empty account.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import session_scope
from jobs.runner import run_job
from tests.api.conftest import EMAIL_DOMAIN, PASSWORD, Account, client_for, login, new_email
from tests.support.shared_data import require
from tools.activities.demo import seed_demo

FIT = "fit/fitdecode/tests/files"


def fit_file(name: str) -> tuple[str, bytes]:
    path: Path = require(f"{FIT}/{name}")
    return name, path.read_bytes()


async def upload(account: Account, files: list[tuple[str, bytes]]) -> httpx.Response:
    return await account.client.post(
        "/api/v1/activities/import",
        files=[("files", (name, data, "application/octet-stream")) for name, data in files],
    )


async def import_files(account: Account, files: list[tuple[str, bytes]]) -> dict[str, Any]:
    """Upload, run the import job to its end (in this process, as a worker would), and return the job."""
    queued = await upload(account, files)
    assert queued.status_code == 202, queued.text
    await run_job(queued.json()["job_id"])
    job = await account.client.get(queued.json()["status_url"])
    assert job.status_code == 200, job.text
    body: dict[str, Any] = job.json()
    return body


@pytest.fixture(autouse=True)
async def _delete_leftovers(engine: AsyncEngine) -> AsyncIterator[None]:
    yield
    users = "SELECT id FROM users WHERE email LIKE :pattern"
    params = {"pattern": f"%@{EMAIL_DOMAIN}"}
    async with engine.begin() as conn:
        await conn.execute(text(f"DELETE FROM activity_samples WHERE user_id IN ({users})"), params)
        await conn.execute(
            text(
                "SELECT lo_unlink(m.oid) FROM jobs j, jsonb_array_elements(j.args->'files') f, "
                "pg_largeobject_metadata m "
                f"WHERE j.user_id IN ({users}) AND m.oid = (f->>'oid')::oid"
            ),
            params,
        )


@pytest.fixture
async def athlete(app: FastAPI) -> AsyncIterator[Account]:
    email = new_email("demo")
    async with session_scope() as session:
        seeded = await seed_demo(session, email, PASSWORD, weeks=3)
        user_id = seeded.user.id
    client = client_for(app)
    signed_in = await login(client, email)
    assert signed_in.status_code == 200, signed_in.text
    yield Account(email, PASSWORD, client, user_id, signed_in.json()["csrf_token"])
    await client.aclose()
