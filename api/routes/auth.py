"""Accounts: register, sign in and out, the profile, the password. Logic in `tools.account`."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from api.auth import SESSION_COOKIE, clear_session_cookies, set_session_cookies
from api.deps import (
    ClientIp,
    CurrentAuth,
    CurrentUser,
    OptionalAuth,
    RedisDep,
    SessionDep,
    SettingsDep,
    rate_limit,
)
from api.errors import problem_responses
from core.errors import Conflict
from core.settings import Settings
from tools.account import auth as accounts
from tools.account import email_verification, mailer
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


class MailSent(BaseModel):
    message: str
    delivery: mailer.Delivery = Field(
        description="email: sent by e-mail; server_log: this server sends no e-mail (no RUNCOACH_SMTP_HOST), "
        "the message with its link is in the server log for the admin to pass on"
    )


def _mail_note(settings: Settings, what: str) -> MailSent:
    delivery = mailer.delivery(settings)
    if delivery == "email":
        return MailSent(message=f"{what} Check your inbox (and the spam folder).", delivery=delivery)
    return MailSent(
        message=f"{what} This server does not send e-mail, so the link is in its log: ask the admin for it.",
        delivery=delivery,
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    summary="Create an account",
    description="Creates the account and sends a link to confirm the e-mail address; sign in afterwards. "
    "The answer is the same whether or not the address already had an account (then that address gets a "
    "'you already have an account' mail instead), so sign-up does not reveal who has an account. Limited "
    "per client address.",
    responses=problem_responses(422, 429),
)
async def register(
    body: accounts.Registration,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    ip: ClientIp,
    background: BackgroundTasks,
) -> MailSent:
    mail = await accounts.register(session, redis, body, client_ip=ip, settings=settings)
    background.add_task(mailer.send_quietly, settings, mail)  # after the unit of work commits
    return _mail_note(settings, f"We sent a message to {body.email}.")


class VerifyEmail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(max_length=200, description="the token from the link in the verification mail")


@router.post(
    "/verify-email",
    summary="Confirm an e-mail address",
    description="Takes the token from the link mailed to the address and marks that account's address "
    "verified. Needs no sign-in (the token is the proof); using a link twice is harmless. 422 for a link "
    "that is not valid, expired, or for an address the account no longer uses.",
    responses=problem_responses(422),
)
async def verify_email(body: VerifyEmail, session: SessionDep, settings: SettingsDep) -> Profile:
    user = await email_verification.verify(session, settings, body.token)
    return Profile.model_validate(user)


@router.post(
    "/verify-email/send",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send the verification link again",
    description="Mails a new link to the signed-in account's address (or, on a server without e-mail, "
    "writes it to the server log: `delivery` says which). 409 when the address is already verified.",
    responses=problem_responses(409, 429),
    dependencies=[
        rate_limit(
            "verification-mail",
            lambda s: s.rate_limit_verification_mail,
            message="Too many verification mails; use the last link sent.",
        )
    ],
)
async def send_verification(
    user: CurrentUser, settings: SettingsDep, background: BackgroundTasks
) -> MailSent:
    if email_verification.is_verified(user):
        raise Conflict(f"{user.email} is already verified; there is nothing to confirm.")
    background.add_task(mailer.send_quietly, settings, email_verification.verification_mail(settings, user))
    return _mail_note(settings, f"We sent a new link to {user.email}.")


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
