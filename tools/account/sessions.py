"""Sign-in sessions in Redis, and the CSRF token that goes with each.

- The session id is 256 random bits (URL-safe base64), handed to the browser once in an HTTP-only cookie.
  Redis stores only its SHA-256: `runcoach:session:<sha256>` → hash {user_id, created_at, csrf}.
- Idle expiry slides: every use pushes the key's TTL back to `session_idle_ttl_s`. A session also ends
  `session_max_age_s` after sign-in however active it is (checked against `created_at`).
- `runcoach:user-sessions:<user_id>` is the set of a user's session hashes, so a password change can end
  every other session. Dead members (expired keys) are pruned whenever a session is created.
- CSRF: each session gets a random token, returned at sign-in and set in a readable cookie; Redis keeps its
  SHA-256 so a request's `X-CSRF-Token` can be checked against the session, not only against the cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from redis.asyncio import Redis

SESSION_BYTES = 32  # 256 bits
CSRF_BYTES = 32


@dataclass(frozen=True)
class NewSession:
    """What the client gets once: the session id (cookie) and the CSRF token. Neither is stored."""

    session_id: str
    csrf_token: str
    user_id: int


@dataclass(frozen=True)
class ActiveSession:
    key_hash: str
    user_id: int
    created_at: float
    csrf_hash: str

    def csrf_matches(self, token: str) -> bool:
        return hmac.compare_digest(_sha256(token), self.csrf_hash)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _session_key(key_hash: str) -> str:
    return f"runcoach:session:{key_hash}"


def _user_key(user_id: int) -> str:
    return f"runcoach:user-sessions:{user_id}"


async def create_session(redis: Redis, user_id: int, *, idle_ttl_s: int) -> NewSession:
    session_id = secrets.token_urlsafe(SESSION_BYTES)
    csrf_token = secrets.token_urlsafe(CSRF_BYTES)
    key_hash = _sha256(session_id)
    await _prune(redis, user_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(
            _session_key(key_hash),
            mapping={"user_id": user_id, "created_at": f"{time.time():.3f}", "csrf": _sha256(csrf_token)},
        )
        pipe.expire(_session_key(key_hash), idle_ttl_s)
        pipe.sadd(_user_key(user_id), key_hash)
        pipe.expire(_user_key(user_id), idle_ttl_s)
        await pipe.execute()
    return NewSession(session_id=session_id, csrf_token=csrf_token, user_id=user_id)


async def resolve_session(
    redis: Redis, session_id: str, *, idle_ttl_s: int, max_age_s: int
) -> ActiveSession | None:
    """The live session for this id (its idle TTL pushed back), or None if unknown, expired or too old."""
    if not session_id or len(session_id) > 128:
        return None
    key_hash = _sha256(session_id)
    key = _session_key(key_hash)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hgetall(key)
        pipe.expire(key, idle_ttl_s)
        data, _ = await pipe.execute()
    if not data:
        return None
    fields = {_text(k): _text(v) for k, v in data.items()}
    session = ActiveSession(
        key_hash=key_hash,
        user_id=int(fields["user_id"]),
        created_at=float(fields["created_at"]),
        csrf_hash=fields["csrf"],
    )
    if time.time() - session.created_at > max_age_s:
        await _delete(redis, session.user_id, [key_hash])
        return None
    await redis.expire(_user_key(session.user_id), idle_ttl_s)
    return session


async def end_session(redis: Redis, session_id: str) -> None:
    key_hash = _sha256(session_id)
    user_id = await redis.hget(_session_key(key_hash), "user_id")
    if user_id is not None:
        await _delete(redis, int(user_id), [key_hash])


async def end_other_sessions(redis: Redis, user_id: int, *, keep: ActiveSession | None) -> int:
    """End every session of `user_id` except `keep` (None ends them all). Returns how many were ended."""
    members = {_text(m) for m in await redis.smembers(_user_key(user_id))}
    doomed = [h for h in members if keep is None or h != keep.key_hash]
    if doomed:
        await _delete(redis, user_id, doomed)
    return len(doomed)


async def _delete(redis: Redis, user_id: int, key_hashes: list[str]) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(*(_session_key(h) for h in key_hashes))
        pipe.srem(_user_key(user_id), *key_hashes)
        await pipe.execute()


async def _prune(redis: Redis, user_id: int) -> None:
    members = [_text(m) for m in await redis.smembers(_user_key(user_id))]
    if not members:
        return
    async with redis.pipeline(transaction=False) as pipe:
        for h in members:
            pipe.exists(_session_key(h))
        alive = await pipe.execute()
    dead = [h for h, exists in zip(members, alive, strict=True) if not exists]
    if dead:
        await redis.srem(_user_key(user_id), *dead)
