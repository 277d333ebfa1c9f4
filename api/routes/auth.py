"""Accounts: register, sign in and out, the profile, the password. Logic in `tools.account`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from api.auth import SESSION_COOKIE, clear_session_cookies, set_session_cookies
from api.deps import ClientIp, CurrentAuth, CurrentUser, OptionalAuth, RedisDep, SessionDep, SettingsDep
from api.errors import problem_responses
from tools.account import auth as accounts
from tools.account.profile import Profile, ProfileUpdate, update_profile
from tools.account.sessions import end_session

TAGS = [
    {"name": "auth", "description": "Sign up, sign in and out, password"},
    {"name": "me", "description": "The signed-in athlete's profile"},
]
router = APIRouter(prefix="/auth", tags=["auth"])
me_router = APIRouter(prefix="/me", tags=["me"])


class SignedIn(BaseModel):
    user: Profile
    csrf_token: str = Field(
        description="send it back as the X-CSRF-Token header on POST/PUT/PATCH/DELETE (it is also set as the "
        "readable runcoach_csrf cookie)"
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    summary="Create an account",
    description="Creates the account; sign in afterwards. Limited per client address.",
    responses=problem_responses(409, 429),
)
async def register(
    body: accounts.Registration, session: SessionDep, redis: RedisDep, settings: SettingsDep, ip: ClientIp
) -> Profile:
    return await accounts.register(session, redis, body, client_ip=ip, settings=settings)


@router.post(
    "/login",
    summary="Sign in",
    description="Checks the password and starts a session: sets the HTTP-only session cookie and the CSRF "
    "cookie, and returns the CSRF token. Limited per account and per client address.",
    responses=problem_responses(401, 429),
)
async def login(
    body: accounts.Credentials,
    request: Request,
    response: Response,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    ip: ClientIp,
) -> SignedIn:
    signed_in = await accounts.sign_in(session, redis, body, client_ip=ip, settings=settings)
    set_session_cookies(response, request, settings, signed_in.session)
    response.headers["Cache-Control"] = "no-store"
    return SignedIn(user=signed_in.profile, csrf_token=signed_in.session.csrf_token)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Sign out",
    description="Ends this browser's session and clears its cookies (also when the session had already "
    "expired). Needs the CSRF header while the session is live; with a bearer token it does nothing (revoke "
    "the token instead).",
    responses=problem_responses(403),
)
async def logout(
    auth: OptionalAuth, request: Request, response: Response, redis: RedisDep, settings: SettingsDep
) -> None:
    if auth is not None and auth.method == "token":
        return
    if auth is not None:
        await end_session(redis, request.cookies.get(SESSION_COOKIE, ""))
    clear_session_cookies(response, request, settings)


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change the password",
    description="Needs the current password. Ends every other session of the account (all of them when "
    "called with a bearer token); this one stays signed in. API tokens keep working.",
    responses=problem_responses(403, 429),
)
async def change_password(
    body: accounts.PasswordChange,
    auth: CurrentAuth,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
) -> None:
    await accounts.change_password(session, redis, auth.user, body, keep=auth.session, settings=settings)


@me_router.get("", summary="The signed-in athlete's profile")
async def get_me(user: CurrentUser) -> Profile:
    return Profile.model_validate(user)


@me_router.patch(
    "",
    summary="Change the profile",
    description="Only the fields sent change; null clears display_name, sex and the heart-rate values. "
    "Heart rates must rise from resting through LTHR to max.",
)
async def patch_me(body: ProfileUpdate, user: CurrentUser, session: SessionDep) -> Profile:
    return await update_profile(session, user, body)
