"""Per-user data versions: the validator behind the API's ETags (`api/etag.py`), kept in Redis.

A write that changes what the dashboard and list endpoints show calls `changed(session, user_id)` — one
line in each write path (imports and deletes, syncs, gear, races, plans, notifications, profile). The
user's version is replaced *after that session commits*: bumping before the commit would let a request
that reads the new version and then the old rows store a stale validator for good; bumping after it can at
worst cost one extra 200. (A note made in a transaction that rolls back waits for that session's next
commit, if any: an extra bump is harmless, a missed one is not.)

- `runcoach:data-version:<user_id>` → a random token (not a counter: if Redis loses the key, a fresh
  random value can never repeat a validator a client still holds). A missing key is created on read.
- The bump runs inside SQLAlchemy's `after_commit` hook through `sqlalchemy.util.await_` (the same greenlet
  bridge the async engine uses for its own I/O), so every unit of work — request, job, CLI, MCP — is
  covered without knowing about it. A session used outside an async context bumps right away instead.
"""

from __future__ import annotations

import logging
import secrets

from redis.asyncio import Redis
from sqlalchemy import event
from sqlalchemy.exc import MissingGreenlet
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.util import await_

from core.redis import get_redis

log = logging.getLogger(__name__)

_PENDING = "runcoach_changed_users"


def _key(user_id: int) -> str:
    return f"runcoach:data-version:{user_id}"


async def current(redis: Redis, user_id: int) -> str:
    """The user's data version (created on first read)."""
    value = await redis.get(_key(user_id))
    if value is None:
        await redis.set(_key(user_id), secrets.token_hex(8), nx=True)
        value = await redis.get(_key(user_id))
    return value.decode() if isinstance(value, bytes) else str(value)


async def bump(redis: Redis, user_id: int) -> None:
    await redis.set(_key(user_id), secrets.token_hex(8))


def changed(session: AsyncSession | Session, user_id: int) -> None:
    """Note that this session changes what `user_id` sees; their version is bumped once it commits."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    sync.info.setdefault(_PENDING, set()).add(user_id)


@event.listens_for(Session, "after_commit")
def _bump_committed(session: Session) -> None:
    if session.get_nested_transaction() is not None:  # a savepoint was released, not the unit of work
        return
    users: set[int] = session.info.pop(_PENDING, set())
    for user_id in sorted(users):
        try:
            await_(bump(get_redis(), user_id))
        except MissingGreenlet:
            log.warning("data version of user %s not bumped: session committed outside asyncio", user_id)
        except Exception:
            # the rows are committed; a stale validator lasts until the user's next change
            log.exception("could not bump the data version of user %s", user_id)
