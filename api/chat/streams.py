"""How many event streams one user has open, across api replicas: at most `per_user` at once.

Each open stream (a POST …/messages or GET …/events response) holds a slot: a member of the Redis sorted set
`runcoach:chat:streams:{user}` whose score is when the slot lapses on its own (ms). A stream gives its slot
back when it ends; a replica that dies without doing so frees it at the lapse, which is past the longest a
stream can run (`api.chat.sse.longest_stream_s`). Taking a slot drops lapsed ones, counts, and adds, in one
script, so two requests can never both take the last slot.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, cast

from redis.asyncio import Redis

from core.errors import RateLimited

__all__ = ["TOO_MANY_STREAMS", "StreamSlots"]

TOO_MANY_STREAMS = (
    "You already have {limit} conversation streams open, the most one account may have at once. Close other "
    "RunCoach tabs or windows (or stop clients that follow conversations), or wait for their answers to "
    "finish, then try again."
)
#: what a refused client is told to wait before trying again
RETRY_AFTER_S = 5.0

_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
"""


class StreamSlots:
    """The per-user cap on open event streams (see the module docstring)."""

    def __init__(self, redis: Redis, *, per_user: int, lapse_s: float) -> None:
        self.redis = redis
        self.per_user = per_user
        self.lapse_ms = int(lapse_s * 1000)

    @staticmethod
    def _key(user_id: int) -> str:
        return f"runcoach:chat:streams:{user_id}"

    async def take(self, user_id: int) -> str:
        """A slot for one more stream of `user_id`; RateLimited (429) when they have `per_user` open."""
        slot = uuid.uuid4().hex
        now_ms = int(time.time() * 1000)
        lapse_ms = now_ms + self.lapse_ms
        taken = await cast(
            Any, self.redis.eval(_TAKE, 1, self._key(user_id), now_ms, lapse_ms, self.per_user, slot)
        )
        if not taken:
            raise RateLimited(
                TOO_MANY_STREAMS.format(limit=self.per_user),
                retry_after_s=RETRY_AFTER_S,
                details={"limit": self.per_user},
            )
        return slot

    async def give_back(self, user_id: int, slot: str) -> None:
        await self.redis.zrem(self._key(user_id), slot)

    async def open(self, user_id: int) -> int:
        """How many streams `user_id` has open now (lapsed slots excluded)."""
        now_ms = int(time.time() * 1000)
        return int(await self.redis.zcount(self._key(user_id), f"({now_ms}", "+inf"))
