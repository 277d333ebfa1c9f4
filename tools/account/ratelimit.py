"""Rate limits in Redis: GCRA (generic cell rate algorithm), one atomic Lua script per check.

A limit "5/minute" lets a burst of 5 through, then one more every 12 s. Each key holds one number, the
theoretical arrival time (ms, Redis server clock), and expires when the bucket is full again, so an idle
limiter costs nothing. `hit()` raises `RateLimited` with the seconds to wait; the API turns that into a
429 with `Retry-After`.

Keys are `runcoach:rl:<scope>:<subject>`; subjects that identify a person (an email) are hashed first.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from redis.asyncio import Redis

from core.errors import RateLimited

_PERIODS = {
    **dict.fromkeys(("s", "sec", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
}
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")

# KEYS[1] = key; ARGV[1] = emission interval (ms), ARGV[2] = period (ms), ARGV[3] = cost (cells)
# returns {allowed (0/1), retry_after_ms, remaining}
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval * cost
local wait = new_tat - period - now
if wait > 0 then
  return {0, math.ceil(wait), 0}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.max(1, math.ceil(new_tat - now)))
return {1, 0, math.floor((period - (new_tat - now)) / interval)}
"""


@dataclass(frozen=True)
class Rate:
    """`limit` events per `period_s` seconds, as a burst."""

    limit: int
    period_s: int

    @property
    def interval_ms(self) -> float:
        return self.period_s * 1000 / self.limit

    def __str__(self) -> str:
        return f"{self.limit}/{self.period_s}s"


@lru_cache(maxsize=64)
def parse_rate(text: str) -> Rate:
    """'5/minute', '20/min', '100/hour' or '10/15minutes' → Rate. Raises ValueError."""
    match = _RATE_RE.match(text.lower())
    if not match or match[3] not in _PERIODS:
        raise ValueError(f"{text!r} is not a rate; write it like '5/minute', '100/hour' or '10/15minutes'")
    limit, multiplier, unit = int(match[1]), int(match[2] or 1), match[3]
    if limit < 1 or multiplier < 1:
        raise ValueError(f"{text!r}: a rate needs at least 1 event per at least 1 period")
    return Rate(limit=limit, period_s=multiplier * _PERIODS[unit])


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_s: float
    remaining: int


def subject_hash(subject: str) -> str:
    """A stable, non-reversible key part for subjects that identify a person (emails)."""
    return hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]


def rate_key(scope: str, subject: str) -> str:
    return f"runcoach:rl:{scope}:{subject}"


async def check(redis: Redis, key: str, rate: Rate, *, cost: int = 1) -> Decision:
    """Count one event (or `cost`) against `key`, atomically; the event is only counted when allowed."""
    allowed, wait_ms, remaining = await redis.eval(
        _GCRA, 1, key, str(rate.interval_ms), str(rate.period_s * 1000), str(cost)
    )
    return Decision(allowed=bool(allowed), retry_after_s=float(wait_ms) / 1000, remaining=int(remaining))


async def hit(redis: Redis, key: str, rate: Rate, *, message: str, cost: int = 1) -> Decision:
    """Like `check`, but raise `RateLimited` (the message should say what is limited) when over."""
    decision = await check(redis, key, rate, cost=cost)
    if not decision.allowed:
        wait = max(1, math.ceil(decision.retry_after_s))
        raise RateLimited(
            f"{message} Wait {wait} second{'s' if wait != 1 else ''} and try again.",
            retry_after_s=wait,
        )
    return decision


async def reset(redis: Redis, key: str) -> None:
    await redis.delete(key)
