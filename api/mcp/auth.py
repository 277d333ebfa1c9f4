"""Who is calling over MCP: a personal API token (`rc_…`, tools/account/tokens.py), checked on every request.

- Streamable HTTP: `Authorization: Bearer rc_…` on each request, verified by the SDK's bearer middleware
  through `TokenVerifier` below; a missing or bad token is a 401 before any MCP message is read. The
  verified identity rides the request's ASGI scope, and `caller_from_http` reads it from the handler's
  request context (never from a tool argument).
- stdio: one token for the process (`--token` or RUNCOACH_MCP_TOKEN), verified at start and again on every
  call, so revoking it stops a running server's next call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import session_scope
from core.errors import Unauthorized
from tools.account import tokens as token_store

BAD_TOKEN = (
    "That API token is not valid: it may be mistyped, revoked or expired. Create a new one in settings."
)
ISSUER = "runcoach"


@dataclass(frozen=True)
class Caller:
    user_id: int
    token_id: int


async def find_caller(session: AsyncSession, token: str) -> Caller | None:
    """The caller a token stands for (and its use recorded), or None."""
    row = await token_store.find_active_token(session, token)
    if row is None:
        return None
    if token_store.needs_touch(row):
        await token_store.touch_token(session, row.id)
    return Caller(user_id=row.user_id, token_id=row.id)


async def verify(token: str) -> Caller:
    async with session_scope() as session:
        caller = await find_caller(session, token)
    if caller is None:
        raise Unauthorized(BAD_TOKEN)
    return caller


class ApiTokenVerifier:
    """The SDK's `TokenVerifier` over our personal API tokens."""

    async def verify_token(self, token: str) -> AccessToken | None:
        async with session_scope() as session:
            caller = await find_caller(session, token)
        if caller is None:
            return None
        return AccessToken(
            token=token,
            client_id=f"api-token-{caller.token_id}",
            scopes=[],
            subject=str(caller.user_id),
            claims={"iss": ISSUER, "user_id": caller.user_id, "token_id": caller.token_id},
        )


def caller_from_http(request: Any) -> Caller:
    """The verified caller of an HTTP request (set by the bearer middleware), else Unauthorized."""
    scope = getattr(request, "scope", None) or {}
    user = scope.get("user")
    if not isinstance(user, AuthenticatedUser) or not user.access_token.claims:
        raise Unauthorized(BAD_TOKEN)
    claims = user.access_token.claims
    return Caller(user_id=int(claims["user_id"]), token_id=int(claims["token_id"]))
