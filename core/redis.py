"""The process's Redis client (sessions, locks, queue, caches, rate limits, stream buffers)."""

from __future__ import annotations

from redis.asyncio import Redis

from core.runtime import ensure_services

_client: Redis | None = None


def get_redis() -> Redis:
    global _client
    if _client is None:
        _client = Redis.from_url(
            ensure_services().redis_url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=30
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
