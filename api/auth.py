"""Who is calling: a session cookie (browsers) or a personal token (`Authorization: Bearer rc_…`).

- Bearer wins when both are present; a bad bearer token is a 401 even if a good cookie came along.
- Cookie-authenticated unsafe requests (POST, PUT, PATCH, DELETE) need CSRF proof: the `X-CSRF-Token`
  header must equal the `runcoach_csrf` cookie (double submit, constant-time) *and* the token issued with
  this session (so a cookie planted by a sibling subdomain does not help). Bearer requests are exempt:
  browsers never attach that header on their own.
- Cookies: the session cookie is HttpOnly; the CSRF cookie is readable by the web app's JavaScript. Both
  SameSite=Lax, Path=/, Secure when the request came over HTTPS (after trusted proxy headers) or the
  public URL is https, Max-Age = the session's absolute lifetime (idle expiry is enforced in Redis).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Literal

from fastapi import Request, Response
from fastapi.security import APIKeyCookie, HTTPBearer
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Forbidden, Unauthorized
from core.logs import user_id_var
from core.models import User
from core.settings import Settings
from tools.account import sessions as session_store
from tools.account import tokens as token_store

SESSION_COOKIE = "runcoach_session"
CSRF_COOKIE = "runcoach_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

#: OpenAPI security schemes (the reading itself is done below, so a missing credential is our 401)
bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="personalToken", description="a personal API token: rc_<prefix>_<secret>"
)
cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="sessionCookie",
    description=f"set by POST /api/v1/auth/login; unsafe methods also need the {CSRF_HEADER} header",
)

SESSION_EXPIRED = "You are not signed in, or your session has expired. Sign in again."
BAD_TOKEN = (
    "That API token is not valid: it may be mistyped, revoked or expired. Create a new one in settings."
)


class CsrfFailed(Forbidden):
    code = "csrf_failed"


@dataclass(frozen=True)
class Auth:
    """The authenticated caller: the user, and how they proved it."""

    user: User
    method: Literal["session", "token"]
    session: session_store.ActiveSession | None = None
    token_id: int | None = None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("Send the token as 'Authorization: Bearer rc_…'.")
    return value.strip()


def check_csrf(request: Request, active: session_store.ActiveSession) -> None:
    if request.method in SAFE_METHODS:
        return
    header = request.headers.get(CSRF_HEADER, "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not header or not cookie or not hmac.compare_digest(header.encode(), cookie.encode()):
        raise CsrfFailed(
            f"This request needs the {CSRF_HEADER} header, equal to the {CSRF_COOKIE} cookie. "
            "Reload the page (or sign in again) and retry."
        )
    if not active.csrf_matches(header):
        raise CsrfFailed(
            "The CSRF token does not belong to this session. Reload the page (or sign in again)."
        )


async def authenticate(
    request: Request,
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    *,
    required: bool,
) -> Auth | None:
    token = bearer_token(request)
    if token is not None:
        auth = await _from_token(session, token)
    else:
        auth = await _from_cookie(request, session, redis, settings)
        if auth is None and not required:
            return None
    if auth is None:
        raise Unauthorized(SESSION_EXPIRED if token is None else BAD_TOKEN)
    if auth.session is not None:
        check_csrf(request, auth.session)
    user_id_var.set(auth.user.id)
    request.state.user_id = auth.user.id
    return auth


async def _from_token(session: AsyncSession, token: str) -> Auth | None:
    found = await token_store.find_active_token_user(session, token)
    if found is None:
        return None
    row, user = found
    if token_store.needs_touch(row):
        # in the request's own unit of work (no second pooled connection); it never waits on another toucher
        await token_store.touch_token(session, row.id)
    return Auth(user=user, method="token", token_id=row.id)


async def _from_cookie(
    request: Request, session: AsyncSession, redis: Redis, settings: Settings
) -> Auth | None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    active = await session_store.resolve_session(
        redis, session_id, idle_ttl_s=settings.session_idle_ttl_s, max_age_s=settings.session_max_age_s
    )
    if active is None:
        return None
    user = await session.get(User, active.user_id)
    if user is None:
        return None
    return Auth(user=user, method="session", session=active)


def is_secure(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or (settings.public_url or "").startswith("https://")


def set_session_cookies(
    response: Response, request: Request, settings: Settings, new: session_store.NewSession
) -> None:
    secure = is_secure(request, settings)
    for name, value, http_only in (
        (SESSION_COOKIE, new.session_id, True),
        (CSRF_COOKIE, new.csrf_token, False),
    ):
        response.set_cookie(
            name,
            value,
            max_age=settings.session_max_age_s,
            path="/",
            secure=secure,
            httponly=http_only,
            samesite="lax",
        )


def clear_session_cookies(response: Response, request: Request, settings: Settings) -> None:
    secure = is_secure(request, settings)
    for name, http_only in ((SESSION_COOKIE, True), (CSRF_COOKIE, False)):
        response.delete_cookie(name, path="/", secure=secure, httponly=http_only, samesite="lax")
