"""Personal API tokens: bearer access to the same API (scripts, the SSE chat from a terminal).

A token looks like `rc_<prefix>_<secret>`: `prefix` is 8 hex characters, shown in lists so a person can
tell their tokens apart; `secret` is 256 random bits in base62. Only the SHA-256 of the whole token is
stored, so the token is shown once, at creation. A revoked or expired token stops working at once.
`last_used_at` is written at most once a minute per token (`touch_token`), in the request's own unit of
work, never waiting on another request touching the same token. The statements are in `repository.py`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict
from core.models import ApiToken, User
from tools.account.repository import ApiTokens, token_and_user_by_hash, token_by_hash, touch_token_row

TOKEN_RE = re.compile(r"^rc_([0-9a-f]{8})_([0-9A-Za-z]{43})$")
TOUCH_EVERY = timedelta(minutes=1)
_BASE62 = string.digits + string.ascii_letters


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120, description="what the token is for, e.g. 'laptop script'")
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="the token stops working after this many days; none = never"
    )


class TokenInfo(BaseModel):
    """A token as listed: never its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str = Field(description="the token's visible start, e.g. rc_1a2b3c4d")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class CreatedToken(TokenInfo):
    token: str = Field(description="the token itself; shown only this once, store it now")


def _base62(data: bytes, length: int) -> str:
    n = int.from_bytes(data, "big")
    chars = []
    for _ in range(length):
        n, r = divmod(n, 62)
        chars.append(_BASE62[r])
    return "".join(reversed(chars))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def generate_token() -> tuple[str, str]:
    """A new token and its prefix."""
    prefix = secrets.token_hex(4)
    return f"rc_{prefix}_{_base62(secrets.token_bytes(32), 43)}", prefix


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        name=row.name,
        prefix=f"rc_{row.prefix}",
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
    )


async def create_token(
    session: AsyncSession, user_id: int, new: NewToken, *, max_tokens: int, now: datetime | None = None
) -> CreatedToken:
    now = now or datetime.now(UTC)
    tokens = ApiTokens(session, user_id)
    if await tokens.count_active(now) >= max_tokens:
        raise Conflict(
            f"You already have {max_tokens} active API tokens. Revoke one you no longer use first."
        )
    token, prefix = generate_token()
    row = tokens.add(
        ApiToken(
            name=new.name.strip(),
            token_hash=hash_token(token),
            prefix=prefix,
            expires_at=now + timedelta(days=new.expires_in_days) if new.expires_in_days else None,
        )
    )
    await session.flush()
    await session.refresh(row, ["created_at"])
    return CreatedToken(**_info(row).model_dump(), token=token)


async def list_tokens(session: AsyncSession, user_id: int, *, now: datetime | None = None) -> list[TokenInfo]:
    return [_info(row) for row in await ApiTokens(session, user_id).active(now or datetime.now(UTC))]


async def revoke_token(
    session: AsyncSession, user_id: int, token_id: int, *, now: datetime | None = None
) -> None:
    """Revoke one of the user's tokens. Someone else's token, or an already revoked one, is NotFound."""
    row = await ApiTokens(session, user_id).unrevoked(token_id)
    row.revoked_at = now or datetime.now(UTC)
    await session.flush()


async def find_active_token(
    session: AsyncSession, token: str, *, now: datetime | None = None
) -> ApiToken | None:
    """The active token row for a presented token, or None (malformed, unknown, revoked or expired)."""
    if not TOKEN_RE.match(token):
        return None
    return await token_by_hash(session, hash_token(token), now or datetime.now(UTC))


async def find_active_token_user(
    session: AsyncSession, token: str, *, now: datetime | None = None
) -> tuple[ApiToken, User] | None:
    """`find_active_token` and the token's account, read together (None when either is not there)."""
    if not TOKEN_RE.match(token):
        return None
    return await token_and_user_by_hash(session, hash_token(token), now or datetime.now(UTC))


async def find_live_token(
    session: AsyncSession, user_id: int, token_id: int, *, now: datetime | None = None
) -> ApiToken | None:
    """The user's token `token_id` if it still works (not revoked, not expired)."""
    return await ApiTokens(session, user_id).live(token_id, now or datetime.now(UTC))


def needs_touch(row: ApiToken, *, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    return row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY


async def touch_token(session: AsyncSession, token_id: int, *, now: datetime | None = None) -> bool:
    """Record a use, unless one was recorded within the last minute. Returns whether a row changed.

    Never waits: a row another request is touching right now is skipped (SKIP LOCKED), so the caller can do
    this inside its own unit of work without a second connection and without queueing behind others."""
    now = now or datetime.now(UTC)
    return await touch_token_row(session, token_id, now=now, older_than=now - TOUCH_EVERY)
