"""Sign in with Google: start (redirect to Google) and the callback (a session, as with a password).
Logic in `tools.account.google_signin` (the flow, account linking) and `tools.account.oidc` (the protocol)."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Request, status
from fastapi.responses import RedirectResponse

from api.auth import is_secure, set_session_cookies
from api.deps import RedisDep, SessionDep, SettingsDep, rate_limit
from api.errors import problem_responses
from core.settings import Settings
from tools.account import google_signin
from tools.account.sessions import create_session

TAGS = [{"name": "auth", "description": "Sign up, sign in and out, password"}]
router = APIRouter(prefix="/auth/google", tags=["auth"])

STATE_COOKIE = "runcoach_google_state"


def _redirect_uri(request: Request, settings: Settings) -> str:
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    return base + request.url.path.rsplit("/", 1)[0] + "/callback"


@router.get(
    "/start",
    summary="Sign in with Google",
    description="Redirects to Google's sign-in page (OpenID Connect, authorization code with PKCE). Google "
    "sends the browser back to `/auth/google/callback`. 404 when Google sign-in is not configured.",
    status_code=status.HTTP_302_FOUND,
    response_class=RedirectResponse,
    responses=problem_responses(404, 429, 502),
    dependencies=[rate_limit("login", lambda s: s.rate_limit_login_ip, per="ip")],
)
async def google_start(request: Request, redis: RedisDep, settings: SettingsDep) -> RedirectResponse:
    async with httpx.AsyncClient() as http:
        started = await google_signin.start_sign_in(
            redis, settings, http, redirect_uri=_redirect_uri(request, settings)
        )
    response = RedirectResponse(started.url, status_code=status.HTTP_302_FOUND)
    response.set_cookie(
        STATE_COOKIE,
        started.state,
        max_age=settings.google_login_ttl_s,
        path=request.url.path.rsplit("/", 1)[0],
        secure=is_secure(request, settings),
        httponly=True,
        samesite="lax",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(
    "/callback",
    summary="Google sign-in callback",
    description="Where Google sends the browser back: checks state (and the browser that started it), "
    "exchanges the code, verifies the ID token (signature, issuer, audience, expiry, nonce), links the "
    "Google account by verified email or creates one, sets the session cookies as the password sign-in does "
    "and redirects to the web app.",
    status_code=status.HTTP_303_SEE_OTHER,
    response_class=RedirectResponse,
    responses=problem_responses(401, 404, 409, 502),
)
async def google_callback(
    request: Request,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> RedirectResponse:
    async with httpx.AsyncClient() as http:
        user = await google_signin.finish_sign_in(
            session,
            redis,
            settings,
            http,
            state=state,
            cookie_state=request.cookies.get(STATE_COOKIE),
            code=code,
            error=error,
        )
    new = await create_session(redis, user.id, idle_ttl_s=settings.session_idle_ttl_s)
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    set_session_cookies(response, request, settings, new)
    response.delete_cookie(
        STATE_COOKIE, path=request.url.path.rsplit("/", 1)[0], httponly=True, samesite="lax"
    )
    response.headers["Cache-Control"] = "no-store"
    return response
