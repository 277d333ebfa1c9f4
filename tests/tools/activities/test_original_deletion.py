"""Deleting an activity deletes its original file, after the deletion commits and only when no activity
of any user refers to the same bytes; on disk and in an S3-compatible bucket."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.database import session_scope
from core.models import Job
from jobs.runner import run_job
from tests.factories import create_activity
from tests.tools.activities.test_originals_store import FakeS3, bucket_settings, s3
from tests.tools.garmin.helpers import committed_user
from tools.activities.originals import (
    forget_if_unreferenced,
    hold_original,
    key_for,
    path_for,
    save_original,
)
from tools.activities.store import delete_activity

__all__ = ["s3"]


@pytest.fixture(autouse=True)
def _on_the_test_database(engine: AsyncEngine) -> None:
    """`session_scope` and the job runner use the process's engine: the test database's."""


def unique_original() -> tuple[str, bytes]:
    data = b"an original file " + secrets.token_bytes(32)  # bytes no other test stores
    return save_original(data), data


async def forget_jobs(sha: str) -> list[Job]:
    async with session_scope() as session:
        rows = await session.scalars(
            select(Job).where(Job.kind == "originals.forget", Job.args["sha256"].astext == sha)
        )
        return list(rows)


async def test_the_last_activity_with_the_bytes_takes_the_file_with_it() -> None:
    sha, _ = unique_original()
    async with committed_user() as ann, committed_user() as bob:
        async with session_scope() as session:
            anns = await create_activity(session, ann, file_sha256=sha)
            bobs = await create_activity(session, bob, file_sha256=sha)  # the same file, imported by Bob too

        # a deletion that rolls back deletes nothing and leaves no job
        with pytest.raises(RuntimeError):
            async with session_scope() as session:
                await delete_activity(session, ann.id, anns.id)
                raise RuntimeError("the request failed after the delete")
        assert await forget_jobs(sha) == [] and path_for(sha).exists()

        async with session_scope() as session:
            await delete_activity(session, ann.id, anns.id)
            assert path_for(sha).exists(), "nothing is deleted before the commit"
        [first] = await forget_jobs(sha)
        assert await run_job(str(first.id)) == {"sha256": sha, "deleted": False}
        assert path_for(sha).exists(), "Bob's activity still refers to the file"

        async with session_scope() as session:
            await delete_activity(session, bob.id, bobs.id)
        [second] = [job for job in await forget_jobs(sha) if job.id != first.id]
        assert await run_job(str(second.id)) == {"sha256": sha, "deleted": True}
        assert not path_for(sha).exists(), "the last reference is gone, and so is the file (the GPS track)"


async def test_an_import_holding_the_bytes_keeps_the_deleter_waiting() -> None:
    """The import takes the lock before it stores the file and keeps it until it commits: a deletion that
    looked for references in between would delete a file the import is about to refer to."""
    sha, _ = unique_original()
    async with session_scope() as importing:
        await hold_original(importing, sha)
        with pytest.raises(DBAPIError, match="lock timeout"):
            async with session_scope() as deleting:
                await deleting.execute(text("SET LOCAL lock_timeout = '200ms'"))
                await forget_if_unreferenced(deleting, sha)
    assert path_for(sha).exists()
    async with session_scope() as deleting:  # once the import's transaction ended
        assert await forget_if_unreferenced(deleting, sha) is True
    assert not path_for(sha).exists()


async def test_the_bucket_copy_and_an_older_disk_copy_are_deleted(
    db: AsyncSession, s3: FakeS3, tmp_path: Path
) -> None:
    settings = bucket_settings(s3, tmp_path)
    data = b"kept in the bucket " + secrets.token_bytes(16)
    sha = save_original(data, settings)
    assert f"originals/{key_for(sha)}" in s3.objects
    legacy = path_for(sha, settings)
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_bytes(data)  # stored on disk before the bucket was configured
    assert await forget_if_unreferenced(db, sha, settings) is True
    assert s3.objects == {} and not legacy.exists()
    assert ("DELETE", f"/{s3_bucket_path(sha)}") in s3.requests
    assert await forget_if_unreferenced(db, sha, settings) is True, "an object already gone is fine"


def s3_bucket_path(sha: str) -> str:
    return f"runcoach-originals/originals/{key_for(sha)}"
