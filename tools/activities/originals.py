"""Original files, kept content-addressed (by SHA-256), so activities can be re-processed after a parser fix
(`tools/activities/reprocess.py`) and exported back (`GET /api/v1/activities/{id}/original`).

Where: on disk under the data directory by default (`$RUNCOACH_HOME/originals/ab/abcd….fit`; writes are
atomic, temp file + rename), or in an S3-compatible bucket when `RUNCOACH_S3_BUCKET` is set
(`{prefix}ab/abcd….fit`, see `object_store.py`). Equal bytes are stored once. With a bucket configured, a
file stored on disk before the bucket was (an older install) is still found there.

The storage functions are blocking I/O: call them through `asyncio.to_thread` from async code;
`activity_original` (user-scoped, for the download route) does that itself.

Deleting: an original goes when the last activity referring to it (of any user: equal bytes are stored
once) is deleted, and only after that deletion commits — `delete_activity` enqueues the `originals.forget`
job in its unit of work, which runs `forget_if_unreferenced`. A transaction-scoped advisory lock on the hash
keeps that from racing an import of the same bytes: the import holds it shared (`hold_original`) from
before it stores the file until it commits, the deleter takes it exclusively before it looks for
references, so it either sees the new activity or runs wholly before the import stores the file again.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound, ServiceUnavailable
from core.models import Activity
from core.settings import Settings, get_settings
from tools.activities.formats import EXTENSIONS, detect
from tools.activities.object_store import S3Store
from tools.activities.repository import lock_original, lock_original_shared, original_in_use


def originals_dir(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).home / "originals"


def key_for(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256}.fit"


def path_for(sha256: str, settings: Settings | None = None) -> Path:
    return originals_dir(settings) / key_for(sha256)


def object_store(settings: Settings | None = None) -> S3Store | None:
    """The configured bucket, or None when originals live on disk."""
    settings = settings or get_settings()
    if not settings.s3_bucket:
        return None
    if settings.s3_access_key_id is None or settings.s3_secret_access_key is None:
        raise ServiceUnavailable(
            "RUNCOACH_S3_BUCKET is set but the access key is not: set RUNCOACH_S3_ACCESS_KEY_ID and "
            "RUNCOACH_S3_SECRET_ACCESS_KEY (or unset the bucket to keep originals on disk).",
            details={"service": "object_store"},
        )
    return S3Store(
        endpoint=settings.s3_endpoint_url,
        bucket=settings.s3_bucket,
        region=settings.s3_region,
        access_key=settings.s3_access_key_id.get_secret_value(),
        secret_key=settings.s3_secret_access_key.get_secret_value(),
        prefix=settings.s3_prefix,
        timeout_s=settings.s3_timeout_s,
    )


def _save_on_disk(sha: str, data: bytes, settings: Settings | None) -> None:
    target = path_for(sha, settings)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_original(data: bytes, settings: Settings | None = None) -> str:
    """Store the bytes (if not already stored) and return their SHA-256."""
    sha = hashlib.sha256(data).hexdigest()
    store = object_store(settings)
    if store is None:
        _save_on_disk(sha, data, settings)
    elif not store.exists(key_for(sha)):
        store.put(key_for(sha), data)
    return sha


def remove_original(sha256: str, settings: Settings | None = None) -> None:
    """Delete the stored bytes, wherever they are (the bucket, and the disk copy of an older install)."""
    store = object_store(settings)
    if store is not None:
        store.delete(key_for(sha256))
    path_for(sha256, settings).unlink(missing_ok=True)


async def hold_original(session: AsyncSession, sha256: str) -> None:
    """Keep the original with this hash from being deleted until the session's transaction ends (take it
    before storing the file for a new activity)."""
    await lock_original_shared(session, sha256)


async def forget_if_unreferenced(
    session: AsyncSession, sha256: str, settings: Settings | None = None
) -> bool:
    """Delete the original with this hash if no activity, of any user, refers to it any more (a deliberate
    cross-user check: the bytes are shared, and nothing about the other activities is returned). True when
    it was deleted."""
    await lock_original(session, sha256)
    if await original_in_use(session, sha256):
        return False
    await asyncio.to_thread(remove_original, sha256, settings)
    return True


def load_original(sha256: str, settings: Settings | None = None) -> bytes:
    """The stored bytes; NotFound when no original with this hash is kept (nor on disk, nor in the bucket).
    The bytes are checked against their hash, so a damaged copy is never handed out or re-processed."""
    store = object_store(settings)
    path = path_for(sha256, settings)
    if store is not None and not path.exists():
        data = store.get(key_for(sha256))
    elif path.exists():
        data = path.read_bytes()
    else:
        raise NotFound("The original file of this activity is not stored here.")
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ServiceUnavailable(
            "The stored original file is damaged (its content no longer matches its hash); import the file "
            "again to replace it.",
            details={"service": "originals", "sha256": sha256},
        )
    return data


class OriginalFile(BaseModel):
    filename: str
    sha256: str
    data: bytes


async def activity_original(session: AsyncSession, user_id: int, activity_id: int) -> OriginalFile:
    """The kept original of one of the user's activities (a multisport leg gives its parent's file).
    NotFound for another user's activity, exactly as for one that does not exist."""
    activity = await session.get(Activity, activity_id)
    if activity is None or activity.user_id != user_id:
        raise NotFound(f"Activity {activity_id} does not exist or is not yours.")
    if activity.parent_id is not None:
        parent = await session.get(Activity, activity.parent_id)
        activity = parent if parent is not None and parent.user_id == user_id else activity
    if activity.file_sha256 is None:
        raise NotFound(
            f"Activity {activity_id} has no original file: it was imported from {activity.source} data, "
            "not from an activity file."
        )
    data = await asyncio.to_thread(load_original, activity.file_sha256)
    local = activity.start_time + timedelta(seconds=activity.tz_offset_s or 0)
    extension = EXTENSIONS[detect(data)]
    return OriginalFile(
        filename=f"{local:%Y-%m-%d_%H%M}_{activity.sport}_{activity.id}.{extension}",
        sha256=activity.file_sha256,
        data=data,
    )
