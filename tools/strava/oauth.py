"""Connecting Strava with OAuth2: the authorize URL, the callback's code exchange, disconnecting.

The `state` parameter is a random token stored in Redis for 10 minutes, bound to the user who asked for
the URL *and* to their browser: the caller sets a random nonce in an HTTP-only cookie and the state keeps
its SHA-256. The callback consumes the state once (GETDEL) and completes only for that same user, signed
in, in that same browser. So a victim who approves an attacker's authorize link (signed in as themselves,
or not signed in at all) links nothing: before, a callback without a session linked the victim's Strava to
the attacker's account.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Forbidden, InvalidInput
from core.redis import get_redis
from core.settings import get_settings
from tools.integrations.credentials import (
    get_integration,
    read_credentials,
    remove_integration,
    save_credentials,
)
from tools.strava.client import StravaApi, app_credentials, run_call

log = logging.getLogger(__name__)

STATE_TTL_S = 600


class StravaConnected(BaseModel):
    athlete_id: int
    athlete_name: str | None
    scopes: list[str]
    can_upload: bool
    can_read_private: bool
    message: str


def _state_key(state: str) -> str:
    return f"runcoach:strava:oauth:{state}"


def default_redirect_uri() -> str:
    settings = get_settings()
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    return base.rstrip("/") + settings.strava_redirect_path


def _nonce_digest(browser_nonce: str) -> str:
    return hashlib.sha256(browser_nonce.encode()).hexdigest()


async def strava_authorize_url(user_id: int, *, browser_nonce: str, redirect_uri: str | None = None) -> str:
    """The URL to send the user to; Strava sends them back to `redirect_uri` with `code` and `state`.
    `browser_nonce` is the random value the caller keeps in the asking browser (a cookie)."""
    client_id, _ = app_credentials()
    redirect_uri = redirect_uri or default_redirect_uri()
    state = secrets.token_urlsafe(24)
    record = {"user_id": user_id, "redirect_uri": redirect_uri, "browser": _nonce_digest(browser_nonce)}
    await get_redis().set(_state_key(state), json.dumps(record), ex=STATE_TTL_S)
    url: str = StravaApi().authorization_url(
        client_id=client_id,
        redirect_uri=redirect_uri,
        approval_prompt="auto",
        scope=get_settings().strava_scopes,  # type: ignore[arg-type]
        state=state,
    )
    return url


async def strava_callback(
    session: AsyncSession,
    *,
    state: str,
    code: str | None = None,
    scope: str | None = None,
    error: str | None = None,
    user_id: int,
    browser_nonce: str | None,
) -> StravaConnected:
    """Finish connecting: check the state, exchange the code for tokens and store them (encrypted).

    `scope` is what Strava says the user granted (the callback's `scope` query parameter). `user_id` (the
    signed-in user) must be the user who started, and `browser_nonce` (the cookie) the one set in the
    browser that started. Flushes; the caller commits."""
    raw = await get_redis().getdel(_state_key(state)) if state else None
    if raw is None:
        raise InvalidInput("This Strava link has expired or was already used. Start connecting Strava again.")
    pending: dict[str, Any] = json.loads(raw)
    owner = int(pending["user_id"])
    if user_id != owner:
        raise Forbidden(
            "This Strava authorization was started by another account, so nothing was connected. If you "
            "did not start it, ignore it; to connect your own Strava, start from your Settings page."
        )
    expected = str(pending.get("browser", ""))
    if not browser_nonce or not secrets.compare_digest(_nonce_digest(browser_nonce), expected):
        raise Forbidden(
            "This Strava authorization was not started in this browser, so nothing was connected. Start "
            "connecting Strava again from Settings here."
        )
    if error:
        raise InvalidInput(
            "Strava access was not granted, so nothing was connected."
            if error == "access_denied"
            else f"Strava reported an error ({error}); nothing was connected."
        )
    if not code:
        raise InvalidInput("Strava did not send an authorization code. Start connecting Strava again.")
    client_id, secret = app_credentials()
    api = StravaApi()
    tokens, athlete = await run_call(
        api,
        api.protocol.exchange_code_for_token,
        client_id=client_id,
        client_secret=secret,
        code=code,
        return_athlete=True,
        what="the authorization code",
    )
    granted = sorted({s for s in (scope or "").split(",") if s}) or list(get_settings().strava_scopes)
    athlete = athlete or {}
    name = " ".join(p for p in (athlete.get("firstname"), athlete.get("lastname")) if p) or None
    athlete_id = int(athlete.get("id") or 0)
    expires_at = int(tokens["expires_at"])
    await save_credentials(
        session,
        owner,
        "strava",
        {
            "access_token": tokens["access_token"],
            "refresh_token": tokens["refresh_token"],
            "expires_at": expires_at,
        },
        external_id=str(athlete_id) if athlete_id else None,
        expires_at=datetime.fromtimestamp(expires_at, UTC),
        settings={"scopes": granted, "athlete_name": name, "connected_at": datetime.now(UTC).isoformat()},
        reconnect=True,
    )
    can_upload = "activity:write" in granted
    can_private = "activity:read_all" in granted
    notes = []
    if not can_upload:
        notes.append("uploads were not allowed, so RunCoach cannot send activities to Strava")
    if not can_private:
        notes.append("private activities will not be imported")
    return StravaConnected(
        athlete_id=athlete_id,
        athlete_name=name,
        scopes=granted,
        can_upload=can_upload,
        can_read_private=can_private,
        message=f"Connected to Strava{f' as {name}' if name else ''}."
        + (f" Note: {'; '.join(notes)}." if notes else ""),
    )


async def disconnect_strava(session: AsyncSession, user_id: int) -> bool:
    """Revoke RunCoach's access on Strava (best effort) and forget the tokens. Imported data stays."""
    integration = await get_integration(session, user_id, "strava")
    if integration is None:
        return False
    try:
        credentials = read_credentials(integration)
        api = StravaApi(str(credentials.get("access_token")))
        await run_call(api, api.deauthorize, what="revoking access")
    except Exception as error:  # the token may already be dead; forgetting it locally is what matters
        log.info("Strava deauthorize for user %s failed: %s", user_id, error)
    return await remove_integration(session, user_id, "strava")
