"""The process's Redis clients: the main one (sessions, locks, queue, caches, rate limits, stream writes), and
for blocking reads (`XREAD BLOCK` of chat streams) a separate, bounded one (`stream_reader`), so that however
many streams are open, they never take the connections that everything else needs."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis

from core.runtime import ensure_services
from core.settings import get_settings

#: how long a blocking reader waits for a free connection of its pool before its stream retries
STREAM_POOL_WAIT_S = 30.0

_client: Redis | None = None


def get_redis() -> Redis:
    global _client
    if _client is None:
        _client = Redis.from_url(
            ensure_services().redis_url,
            socket_connect_timeout=5,
            socket_timeout=30,
            health_check_interval=30,
            max_connections=get_settings().redis_max_connections,
        )
    return _client


def use_redis(client: Redis) -> None:
    global _client
    _client = client


async def close_redis() -> None:
    global _client
    if _client is not None:
        await _client.aclose()
    _client = None


def stream_reader(max_connections: int) -> Redis:
    """A new client on its own pool of at most `max_connections`, for blocking reads (the caller closes it).

    A reader that finds every connection taken waits for one (up to `STREAM_POOL_WAIT_S`), not failing."""
    pool = BlockingConnectionPool.from_url(
        ensure_services().redis_url,
        max_connections=max_connections,
        timeout=STREAM_POOL_WAIT_S,
        socket_connect_timeout=5,
        socket_timeout=30,
        health_check_interval=30,
    )
    return Redis(connection_pool=pool)
