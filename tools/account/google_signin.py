"""Sign in with Google (OpenID Connect, authorization code + PKCE, state and nonce), beside email + password.

1. `start_sign_in`: a random `state`, `nonce` and PKCE verifier; Redis keeps {nonce, verifier, redirect_uri}
   under the state's SHA-256 for `google_login_ttl_s`; the caller also sets the state in a short-lived
   HTTP-only cookie, so a callback only completes in the browser that started it (no login CSRF).
2. `finish_sign_in`: the state must equal the cookie and be known (taken once: `GETDEL`), the code is
   exchanged with the verifier, the ID token verified (`tools.account.oidc`), and the Google account is
   linked: by its subject (`sub`) if it signed in before; else to the account with that email, only if
   Google verified it *and* the account's holder verified it with us (otherwise whoever registered the
   address first, maybe not its owner, would share the account with a password the owner never set: the
   sign-in is refused with a message saying so, nothing is joined); else a new account without a
   password, its address verified (Google did). The link is an `integrations` row (provider `google`,
   `external_id` = sub, no credentials: nothing of Google's is kept but the subject and the email).

The caller starts a session for the returned user exactly as the password sign-in does.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, NotFound, Unauthorized
from core.models import User
from core.settings import Settings
from tools.account import oidc
from tools.account.repository import (
    add_google_link,
    find_user_by_email,
    google_link,
    user_for_google_subject,
)
from tools.account.users import create_user

SCOPE = "openid email profile"
#: Google's ID tokens name their issuer with or without the scheme
GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")


class SignInFailed(Unauthorized):
    code = "google_signin_failed"


@dataclass(frozen=True)
class Started:
    url: str
    state: str


def _key(state: str) -> str:
    return f"runcoach:google-signin:{hashlib.sha256(state.encode()).hexdigest()}"


def _client_credentials(settings: Settings) -> tuple[str, str]:
    if not settings.google_client_id or settings.google_client_secret is None:
        raise NotFound(
            "Google sign-in is not enabled on this server (set RUNCOACH_GOOGLE_CLIENT_ID and "
            "RUNCOACH_GOOGLE_CLIENT_SECRET). Sign in with email and password."
        )
    return settings.google_client_id, settings.google_client_secret.get_secret_value()


def _accepted_issuers(settings: Settings) -> tuple[str, ...]:
    return GOOGLE_ISSUERS if settings.google_issuer.rstrip("/") in GOOGLE_ISSUERS else ()


async def start_sign_in(
    redis: Redis, settings: Settings, http: httpx.AsyncClient, *, redirect_uri: str
) -> Started:
    client_id, _ = _client_credentials(settings)
    discovery = await oidc.discover(http, settings.google_issuer)
    state, nonce, pkce = secrets.token_urlsafe(32), secrets.token_urlsafe(32), oidc.new_pkce()
    record = {"nonce": nonce, "verifier": pkce.verifier, "redirect_uri": redirect_uri}
    await redis.set(_key(state), json.dumps(record), ex=settings.google_login_ttl_s)
    url = oidc.authorization_url(
        discovery,
        client_id=client_id,
        redirect_uri=redirect_uri,
        state=state,
        nonce=nonce,
        pkce=pkce,
        scope=SCOPE,
    )
    return Started(url=url, state=state)


async def finish_sign_in(
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
    http: httpx.AsyncClient,
    *,
    state: str | None,
    cookie_state: str | None,
    code: str | None,
    error: str | None = None,
) -> User:
    """Check the callback and return the signed-in user (created or linked as needed). Flushes."""
    client_id, client_secret = _client_credentials(settings)
    if not state or not cookie_state or not secrets.compare_digest(state.encode(), cookie_state.encode()):
        raise SignInFailed(
            "This Google sign-in was not started in this browser, or it took too long. Start it again."
        )
    raw = await redis.getdel(_key(state))
    if raw is None:
        raise SignInFailed("This Google sign-in has expired or was already used. Start it again.")
    if error:
        raise SignInFailed(f"Google did not sign you in ({error[:80]}). Start again, or use your password.")
    if not code:
        raise SignInFailed("Google sent no authorization code. Start the sign-in again.")
    record = json.loads(raw)
    discovery = await oidc.discover(http, settings.google_issuer)
    id_token = await oidc.exchange_code(
        http,
        discovery,
        code=code,
        redirect_uri=record["redirect_uri"],
        client_id=client_id,
        client_secret=client_secret,
        verifier=record["verifier"],
    )
    claims = await oidc.verify_id_token(
        http,
        discovery,
        id_token,
        client_id=client_id,
        nonce=record["nonce"],
        accepted_issuers=_accepted_issuers(settings),
    )
    return await link_account(session, claims)


def _verified(claims: dict[str, Any]) -> bool:
    value = claims.get("email_verified")
    return value is True or value == "true"  # some issuers send the string


async def link_account(session: AsyncSession, claims: dict[str, Any]) -> User:
    """The account for these verified claims: by Google subject, else by verified email, else a new one."""
    subject = str(claims["sub"])
    linked = await user_for_google_subject(session, subject)
    if linked is not None:
        return linked
    email = claims.get("email")
    if not isinstance(email, str) or not email:
        raise SignInFailed("Google did not share an email address; allow it and sign in again.")
    if not _verified(claims):
        raise SignInFailed(
            "Your Google account's email address is not verified. Verify it with Google, or sign up with "
            "email and password."
        )
    user = await find_user_by_email(session, email)
    if user is None:
        name = claims.get("name")
        user = await create_user(
            session, email, None, display_name=name[:120] if isinstance(name, str) else None
        )
        user.email_verified_at = datetime.now(UTC)
    elif user.email_verified_at is None:
        raise SignInFailed(
            f"A RunCoach account for {email} already exists, but its e-mail address was never confirmed, so "
            "Google sign-in is not joined to it. Sign in with that account's password and confirm the "
            "address from the link we mail you, then Google sign-in works. If you did not create that "
            "account, ask the server's admin to remove it."
        )
    else:
        if await google_link(session, user.id) is not None:
            raise Conflict(
                f"The RunCoach account for {email} is linked to another Google account. Sign in with that "
                "one, or with your password."
            )
    add_google_link(session, user.id, subject=subject, email=email)
    await session.flush()
    return user
