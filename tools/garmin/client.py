"""garminconnect for one user, from async code: stored tokens in, CoachErrors out, rotated tokens saved.

How garminconnect 0.3.2 behaves, and what we do about it
---------------------------------------------------------
- It is synchronous (requests + curl_cffi): every call runs in a worker thread (`asyncio.to_thread`).
- Session tokens: `Client.dumps()` / `loads()` hold the DI OAuth2 access token (a JWT), its refresh token
  and the client id. We store exactly that JSON, encrypted (`tools.integrations.credentials`); the password
  is used once, at sign-in, and never stored.
- Refresh: before a request whose access token expires within 15 minutes, and after a 401, the library
  refreshes the token itself and retries once. Garmin rotates refresh tokens (the old one stops working),
  so after every call we compare `dumps()` with what we saved and save the new tokens at once, in their own
  committed transaction, whatever happens to the surrounding job.
- A refresh that fails is swallowed by the library (logged at debug); the retried request then gets a
  401 and the call raises "API Error 401". `TrackedClient` records the token endpoint's answer so we can
  tell "the refresh token was rejected" (→ `ReauthRequired`, integration `needs_reauth`) from "the token
  endpoint is down" (→ `ServiceUnavailable`, retried).
- Errors lose their HTTP status: a 429 on a data endpoint becomes `GarminConnectConnectionError("… API Error
  429 …")`, and the Retry-After header is dropped. `TrackedClient` adds a response hook to the per-request
  `requests.Session` the library creates (`_fresh_api_session`), which records the status and Retry-After of
  the last answer. If a future version stops calling that method, we fall back to the status in the
  message and, for 429, to `DEFAULT_RETRY_AFTER_S`. Sign-in (SSO) 429s never expose Retry-After: the
  library turns them into `GarminConnectTooManyRequestsError` after trying its other strategies.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests
from garminconnect import (
    Garmin,
    GarminConnectAuthenticationError,
    GarminConnectConnectionError,
    GarminConnectTooManyRequestsError,
)
from garminconnect import client as garmin_client

from core.errors import (
    CoachError,
    IntegrationError,
    NotFound,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
)
from core.settings import get_settings
from tools.integrations.credentials import load_credentials, record_needs_reauth, save_rotated_credentials
from tools.integrations.retry_after import parse_retry_after

log = logging.getLogger(__name__)

T = TypeVar("T")

#: when Garmin answers 429 without a readable Retry-After
DEFAULT_RETRY_AFTER_S = 60.0
REAUTH_MESSAGE = (
    "Garmin Connect no longer accepts RunCoach's saved sign-in (it expired or was revoked). "
    "Connect Garmin again in Settings with your email and password; your data stays."
)


class GarminNotFound(NotFound):
    """Garmin answered 404: no such activity, no original file, or no data for that day."""


class _QuietExpectedErrors(logging.Filter):
    """garminconnect logs every failed API call with a traceback (`logger.exception`); a day without
    data is a 404 and an expected answer. We translate and log errors ourselves."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not message.startswith(("API call failed for path", "Download failed for path"))


logging.getLogger("garminconnect").addFilter(_QuietExpectedErrors())


class TrackedClient(garmin_client.Client):
    """garminconnect's Client, recording what it otherwise hides: the last API answer's status and
    Retry-After, and the token endpoint's answer to a refresh."""

    def __init__(self, domain: str = "garmin.com") -> None:
        super().__init__(domain=domain, pool_connections=4, pool_maxsize=4)
        self.reset_observations()

    def reset_observations(self) -> None:
        self.last_status: int | None = None
        self.last_retry_after: float | None = None
        self.token_status: int | None = None
        self.token_unreachable = False
        self.refresh_error: str | None = None

    def _observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        self.last_status = response.status_code
        self.last_retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return response

    def _fresh_api_session(self) -> requests.Session:
        session = super()._fresh_api_session()
        session.hooks["response"].append(self._observe)
        return session

    def _http_post(self, url: str, **kwargs: Any) -> Any:
        try:
            response = super()._http_post(url, **kwargs)
        except Exception:
            if url == garmin_client.DI_TOKEN_URL:
                self.token_status, self.token_unreachable = None, True
            raise
        if url == garmin_client.DI_TOKEN_URL:
            self.token_status = int(response.status_code)
        return response

    def _refresh_di_token(self) -> None:
        try:
            super()._refresh_di_token()
        except Exception as exc:
            self.refresh_error = str(exc) or type(exc).__name__
            raise
        self.refresh_error = None


def new_api(settings_domain: str | None = None) -> Garmin:
    """A `Garmin` whose client is a `TrackedClient` for the configured domain (garmin.com or garmin.cn)."""
    domain = settings_domain or get_settings().garmin_domain
    api = Garmin(is_cn=domain.endswith(".cn"))
    api.client = TrackedClient(domain=domain)
    return api


def token_expiry(tokens: str | dict[str, Any]) -> datetime | None:
    """`exp` of the DI access token (a JWT), for display and for Integration.expires_at."""
    data = json.loads(tokens) if isinstance(tokens, str) else tokens
    token = data.get("di_token") if isinstance(data, dict) else None
    try:
        payload = str(token).split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (IndexError, KeyError, TypeError, ValueError):
        return None


def _status_from(exc: BaseException, client: TrackedClient) -> int | None:
    if client.last_status is not None and client.last_status >= 400:
        return client.last_status
    match = re.search(r"(?:API Error|Error:?)\s+(\d{3})\b", str(exc))
    return int(match.group(1)) if match else None


def translate_error(exc: BaseException, client: TrackedClient, *, what: str) -> CoachError:
    """One garminconnect failure as the CoachError that says what happened and what happens next."""
    if isinstance(exc, CoachError):
        return exc
    status = _status_from(exc, client)
    detail = {"status": status} if status else {}
    if status == 429 or isinstance(exc, GarminConnectTooManyRequestsError):
        wait = client.last_retry_after if client.last_retry_after is not None else DEFAULT_RETRY_AFTER_S
        return RateLimited(
            f"Garmin Connect is rate-limiting RunCoach ({what}); continuing in about {round(wait)} s.",
            retry_after_s=wait,
            details=detail,
        )
    answered_ok = client.last_status is not None and client.last_status < 400
    if status == 401 or (isinstance(exc, GarminConnectAuthenticationError) and not answered_ok):
        token_trouble = client.token_unreachable or (client.token_status or 0) >= 429
        if client.refresh_error is not None and token_trouble:  # Garmin's side failed, not our tokens
            return ServiceUnavailable(
                "Garmin's sign-in service did not answer while renewing RunCoach's access; retrying later.",
                details=detail,
            )
        return ReauthRequired(REAUTH_MESSAGE, details=detail)
    if status == 404 or (answered_ok and "No data received" in str(exc)):
        return GarminNotFound(f"Garmin Connect has nothing for {what}.", details=detail)
    if status is not None and status >= 500:
        return ServiceUnavailable(
            f"Garmin Connect answered {status} for {what}; it will be retried.", details=detail
        )
    if status is None and isinstance(exc, (GarminConnectConnectionError, requests.RequestException, OSError)):
        return ServiceUnavailable(f"Could not reach Garmin Connect for {what}: {exc}", details=detail)
    return IntegrationError(f"Garmin Connect refused {what}: {exc}", details=detail)


class GarminConnection:
    """A signed-in garminconnect client for one user. `call` runs a library call in a thread, turns its
    failures into CoachErrors, and saves rotated tokens (and a `needs_reauth` status) immediately."""

    def __init__(self, user_id: int, api: Garmin, saved_tokens: str) -> None:
        self.user_id = user_id
        self.api = api
        self.client: TrackedClient = api.client
        self._saved_tokens = saved_tokens

    async def call(self, fn: Callable[..., T], *args: Any, what: str = "a request", **kwargs: Any) -> T:
        self.client.reset_observations()
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except Exception as exc:
            error = translate_error(exc, self.client, what=what)
            if isinstance(error, ReauthRequired):
                await record_needs_reauth(self.user_id, "garmin", error.message)
            elif not isinstance(error, GarminNotFound):
                log.warning("garmin %s for user %s failed: %s", what, self.user_id, error.message)
            raise error from exc
        finally:
            await self.save_rotated_tokens()

    async def save_rotated_tokens(self) -> None:
        current = self.client.dumps()
        if current == self._saved_tokens or not self.client.di_token:
            return
        await save_rotated_credentials(
            self.user_id, "garmin", {"tokens": json.loads(current)}, expires_at=token_expiry(current)
        )
        self._saved_tokens = current
        log.info("saved renewed Garmin tokens for user %s", self.user_id)


async def open_garmin(user_id: int) -> GarminConnection:
    """The user's Garmin connection from the stored tokens (no password, no sign-in)."""
    credentials, settings = await load_credentials(user_id, "garmin")
    display_name = settings.get("display_name")
    tokens = json.dumps(credentials.get("tokens") or {})
    api = new_api()
    try:
        api.client.loads(tokens)
    except GarminConnectConnectionError as exc:
        await record_needs_reauth(user_id, "garmin", REAUTH_MESSAGE)
        raise ReauthRequired(REAUTH_MESSAGE) from exc
    connection = GarminConnection(user_id, api, api.client.dumps())
    if display_name:
        api.display_name = display_name
    else:
        profile = await connection.call(
            api.client.connectapi, "/userprofile-service/socialProfile", what="the profile"
        )
        api.display_name = profile.get("displayName")
    return connection
