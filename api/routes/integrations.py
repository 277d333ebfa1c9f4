"""Connections to Garmin Connect and Strava: status, connect (Garmin sign-in with its MFA step, Strava OAuth),
disconnect, and starting a sync. Thin: the logic is `tools.garmin.auth`, `tools.strava.oauth` and
`tools.integrations`.

Garmin credentials arrive once in the body of `POST …/garmin/login`, go to Garmin, and are never stored or
logged (only Garmin's session tokens are kept, encrypted). The Strava callback is a browser navigation, not
an API call: it answers with a redirect to the web app's settings page carrying the outcome
(`?integration=strava&result=connected|error&message=…`).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field, SecretStr

from api.auth import is_secure
from api.deps import CurrentUser, OptionalUser, SessionDep, SettingsDep, ToolDepsDep, rate_limit
from api.errors import problem_responses
from core.errors import CoachError, NotFound
from core.settings import Settings, get_settings
from tools.garmin.auth import (
    GarminLoginState,
    garmin_login_state,
    start_garmin_login,
    submit_garmin_mfa,
)
from tools.integrations.credentials import Provider
from tools.integrations.disconnect import disconnect
from tools.integrations.overview import IntegrationsOverview, integrations_overview
from tools.integrations.sync_start import SyncRequest, SyncStarted, start_sync
from tools.strava.oauth import STATE_TTL_S, strava_authorize_url, strava_callback

API_PREFIX = "/api/v1"
WEB_SETTINGS_PATH = "/settings"
#: the random value that ties a Strava authorization to the browser that asked for it
STRAVA_BROWSER_COOKIE = "runcoach_strava_oauth"
#: how long `POST …/garmin/login` waits for Garmin to answer (the sign-in goes on in the background after)
GARMIN_LOGIN_WAIT_S = 45.0

TAGS = [
    {
        "name": "integrations",
        "description": "Garmin Connect and Strava: connect (Garmin MFA, Strava OAuth), disconnect, sync",
    },
]
router = APIRouter(prefix="/integrations", tags=["integrations"])


def _callback_path(settings: Settings) -> str:
    """The Strava callback's path inside /api/v1 (`strava_redirect_path` must lie under /api/v1/)."""
    path = settings.strava_redirect_path
    if not path.startswith(API_PREFIX + "/integrations/"):
        raise ValueError(
            f"RUNCOACH_STRAVA_REDIRECT_PATH must start with {API_PREFIX}/integrations/ (got {path!r})"
        )
    return path.removeprefix(API_PREFIX + "/integrations")


class GarminLogin(BaseModel):
    email: str = Field(min_length=3, max_length=320, description="the Garmin Connect account's email")
    password: SecretStr = Field(
        min_length=1, max_length=512, description="sent to Garmin once; never stored or logged"
    )


class GarminMfaCode(BaseModel):
    code: str = Field(min_length=1, max_length=32, description="the code Garmin sent by email or text")


class AuthorizeUrl(BaseModel):
    url: str = Field(description="send the browser here; Strava redirects back to the callback")


@router.get("", summary="Connections and their sync state")
async def list_integrations(deps: ToolDepsDep) -> IntegrationsOverview:
    return await integrations_overview(deps)


@router.post(
    "/garmin/login",
    summary="Connect Garmin Connect: sign in",
    description="Starts signing in to Garmin with the account's email and password and answers once Garmin "
    "has decided: `connected`, `failed` (with the reason in `message`), or `needs_mfa` — then send the code "
    "Garmin mailed or texted to `POST /integrations/garmin/mfa`. The password is passed to Garmin and "
    "forgotten; only Garmin's session tokens are kept (encrypted). Limited per user.",
    responses=problem_responses(409, 422, 429),
    dependencies=[
        rate_limit(
            "garmin-login",
            lambda s: s.rate_limit_login_account,
            message="Too many Garmin sign-in attempts; wait a minute before trying again.",
        )
    ],
)
async def garmin_login(body: GarminLogin, user: CurrentUser) -> GarminLoginState:
    return await start_garmin_login(
        user.id, body.email, body.password.get_secret_value(), wait_s=GARMIN_LOGIN_WAIT_S
    )


@router.post(
    "/garmin/mfa",
    summary="Connect Garmin Connect: the verification code",
    description="Hands the MFA code to the sign-in waiting for it and answers with the outcome: `connected`, "
    "`failed`, or `needs_mfa` again after a wrong code (3 tries). 409 when no sign-in is waiting.",
    responses=problem_responses(409, 422),
)
async def garmin_mfa(body: GarminMfaCode, user: CurrentUser) -> GarminLoginState:
    return await submit_garmin_mfa(user.id, body.code)


@router.get(
    "/garmin/login",
    summary="Where the Garmin sign-in is",
    description="The latest Garmin sign-in (for a page that polls while waiting). 404 when there was none "
    "in the last minutes.",
    responses=problem_responses(404),
)
async def garmin_login_status(user: CurrentUser) -> GarminLoginState:
    state = await garmin_login_state(user.id)
    if state is None:
        raise NotFound(
            "No Garmin sign-in is in progress. Start one with POST /api/v1/integrations/garmin/login."
        )
    return state


@router.delete(
    "/garmin",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Disconnect Garmin Connect",
    description="Forgets Garmin's tokens. Activities and health data already imported stay. 404 when Garmin "
    "was not connected.",
    responses=problem_responses(404),
)
async def delete_garmin(user: CurrentUser, session: SessionDep) -> None:
    await disconnect(session, user.id, "garmin")


@router.get(
    "/strava/authorize",
    summary="Connect Strava: the authorization URL",
    description="A Strava authorization URL valid for 10 minutes, bound to the signed-in user and to this "
    "browser (an HTTP-only cookie on the callback's path). After the "
    "athlete approves, Strava sends the browser to the callback, which redirects to the web app's settings "
    "page. 502 when the operator has not set up a Strava app on this server.",
    responses=problem_responses(409),
)
async def strava_authorize(
    user: CurrentUser, request: Request, response: Response, settings: SettingsDep
) -> AuthorizeUrl:
    base = settings.public_url or str(request.base_url)
    redirect_uri = base.rstrip("/") + settings.strava_redirect_path
    nonce = secrets.token_urlsafe(24)
    url = await strava_authorize_url(user.id, browser_nonce=nonce, redirect_uri=redirect_uri)
    # binds the authorization to this browser: the callback completes only where this cookie comes back
    response.set_cookie(
        STRAVA_BROWSER_COOKIE,
        nonce,
        max_age=STATE_TTL_S,
        path=settings.strava_redirect_path,
        secure=is_secure(request, settings),
        httponly=True,
        samesite="lax",
    )
    response.headers["Cache-Control"] = "no-store"
    return AuthorizeUrl(url=url)


def _back_to_settings(result: Literal["connected", "error"], message: str) -> RedirectResponse:
    query = urlencode({"integration": "strava", "result": result, "message": message})
    return RedirectResponse(f"{WEB_SETTINGS_PATH}?{query}", status_code=status.HTTP_303_SEE_OTHER)


@router.get(
    _callback_path(get_settings()),
    summary="Connect Strava: the OAuth callback",
    description="Where Strava sends the browser back. Checks the state (once), that the same user is "
    "signed in here and that this is the browser that asked (its cookie); otherwise nothing is linked. "
    "exchanges the code for tokens, and redirects (303) to the web app's settings page with "
    "`integration=strava&result=connected|error&message=…`.",
    status_code=status.HTTP_303_SEE_OTHER,
    response_class=RedirectResponse,
    responses={
        303: {
            "description": "to `/settings?integration=strava&result=connected|error&message=…`, also when "
            "the state is unknown or used up, or Strava reported an error"
        }
    },
)
async def strava_oauth_callback(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    state: Annotated[str, Query(max_length=200)] = "",
    code: Annotated[str | None, Query(max_length=200)] = None,
    scope: Annotated[str | None, Query(max_length=500)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> RedirectResponse:
    if user is None:
        return _back_to_settings(
            "error",
            "Sign in to RunCoach in this browser, then connect Strava again from Settings. Nothing was "
            "connected.",
        )
    try:
        connected = await strava_callback(
            session,
            state=state,
            code=code,
            scope=scope,
            error=error,
            user_id=user.id,
            browser_nonce=request.cookies.get(STRAVA_BROWSER_COOKIE),
        )
    except CoachError as exc:
        return _back_to_settings("error", exc.message)
    return _back_to_settings("connected", connected.message)


@router.delete(
    "/strava",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Disconnect Strava",
    description="Revokes RunCoach's access on Strava (best effort) and forgets the tokens. Imported "
    "activities stay. 404 when Strava was not connected.",
    responses=problem_responses(404),
)
async def delete_strava(user: CurrentUser, session: SessionDep) -> None:
    await disconnect(session, user.id, "strava")


@router.post(
    "/{provider}/sync",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start a sync",
    description="Enqueues the provider's sync job and returns its id (poll `GET /api/v1/jobs/{job_id}`). "
    "While one is queued or running, answers with that job instead (`already_running`), also when two "
    "requests arrive together. 404 when the provider is not connected, 409 when it must be connected again.",
    responses=problem_responses(404, 409, 422, 503),
)
async def sync_provider(
    provider: Provider, deps: ToolDepsDep, body: SyncRequest | None = None
) -> SyncStarted:
    return await start_sync(deps, provider, body or SyncRequest())
