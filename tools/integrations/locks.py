"""A Redis lock that is never held forever: set with a TTL, renewed while its holder works, released in
`finally`, and only ever released or renewed by the holder that took it (compare-and-delete in Lua).

If the holder dies, the lock expires after `ttl_s`. If renewal fails for longer than the TTL (Redis
unreachable, or the key was removed), `lost` is set and `ensure_held()` raises, so long work can stop
instead of running unprotected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from redis.asyncio import Redis

from core.errors import CoachError, ServiceUnavailable

log = logging.getLogger(__name__)

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def _text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


class RedisLock:
    """One attempt at holding `key`. `owner` is readable by others (e.g. "job:<id>") to say who holds it."""

    def __init__(self, redis: Redis, key: str, *, ttl_s: float, owner: str = "") -> None:
        self.redis = redis
        self.key = key
        self.ttl_ms = max(1000, int(ttl_s * 1000))
        self.token = f"{owner}|{uuid.uuid4().hex}"
        self.lost = False

    async def acquire(self) -> bool:
        return bool(await self.redis.set(self.key, self.token, nx=True, px=self.ttl_ms))

    async def acquire_within(self, wait_s: float, *, poll_s: float = 0.1) -> bool:
        deadline = asyncio.get_running_loop().time() + wait_s
        while not await self.acquire():
            if asyncio.get_running_loop().time() >= deadline:
                return False
            await asyncio.sleep(poll_s)
        return True

    async def renew(self) -> bool:
        return bool(await self.redis.eval(_RENEW, 1, self.key, self.token, str(self.ttl_ms)))

    async def release(self) -> None:
        await self.redis.eval(_RELEASE, 1, self.key, self.token)

    async def keep_alive(self) -> None:
        """Renew every third of the TTL until cancelled; give up (and set `lost`) once the TTL has passed."""
        loop = asyncio.get_running_loop()
        interval = self.ttl_ms / 3000
        last_ok = loop.time()
        while True:
            await asyncio.sleep(interval)
            try:
                if await self.renew():
                    last_ok = loop.time()
                    continue
                log.warning("lock %s was taken away (expired or removed)", self.key)
            except Exception:
                if loop.time() - last_ok < self.ttl_ms / 1000:
                    log.warning("could not renew lock %s; retrying", self.key, exc_info=True)
                    continue
                log.exception("lock %s could not be renewed within its TTL", self.key)
            self.lost = True
            return

    def ensure_held(self) -> None:
        if self.lost:
            raise ServiceUnavailable(
                "Lost the lock that keeps this work from running twice; it will be retried."
            )


async def lock_holder(redis: Redis, key: str) -> str | None:
    """The owner part of whoever holds `key` now (None if free)."""
    token = _text(await redis.get(key))
    return token.split("|", 1)[0] if token else None


@asynccontextmanager
async def hold_lock(
    redis: Redis,
    key: str,
    *,
    ttl_s: float,
    owner: str,
    busy: Callable[[str | None], CoachError],
    wait_s: float = 0.0,
) -> AsyncIterator[RedisLock]:
    """Hold `key` for the duration of the block (renewed in the background), or raise `busy(holder)`."""
    lock = RedisLock(redis, key, ttl_s=ttl_s, owner=owner)
    acquired = await (lock.acquire_within(wait_s) if wait_s > 0 else lock.acquire())
    if not acquired:
        raise busy(await lock_holder(redis, key))
    renewer = asyncio.create_task(lock.keep_alive(), name=f"renew {key}")
    try:
        yield lock
    finally:
        renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewer
        try:
            await lock.release()
        except Exception:  # it expires on its own
            log.warning("could not release lock %s; it expires in %d ms", key, lock.ttl_ms, exc_info=True)
