"""stravalib for one user, from async code: fresh tokens in (refreshed and saved before expiry), CoachErrors
out, and Strava's rate limit respected.

How stravalib 2.6 behaves, and what we do about it
---------------------------------------------------
- It refreshes expired tokens by itself only when STRAVA_CLIENT_ID/SECRET are in the environment, and then
  keeps the rotated refresh token in memory only. We switch that off (`_Protocol`) and refresh ourselves,
  `REFRESH_MARGIN_S` before expiry, under a per-user Redis lock, saving the rotated refresh token in its
  own committed transaction every time (the old one stops working the moment Strava answers).
- It never raises `RateLimitExceeded`: a 429 is a generic `Fault` (and for uploads, whose POST it sends
  with `check_for_errors=False`, an `ActivityUploadFailed` with no status at all). Its default limiter may
  sleep up to 15 minutes inside the call. We pass our own limiter (it only records the usage headers) and
  a response hook that records the last status and headers, and turn a 429 into `RateLimited` whose delay
  is Retry-After when present, else the start of Strava's next window (15-minute windows on the quarter
  hour; the daily one at midnight UTC). A 429 also sets an app-wide cooldown in Redis (Strava's limit is
  per application, ~100 requests per 15 minutes for reads), so other jobs wait instead of hammering.
- It passes no timeout to requests: our session's adapter sets one.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from stravalib import Client, exc
from stravalib.protocol import ApiV3
from stravalib.util.limiter import RequestRate, get_rates_from_response_headers

from core.errors import (
    CoachError,
    IntegrationError,
    NotConfigured,
    NotFound,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
)
from core.redis import get_redis
from core.settings import get_settings
from tools.integrations.credentials import load_credentials, record_needs_reauth, save_rotated_credentials
from tools.integrations.locks import hold_lock
from tools.integrations.retry_after import parse_retry_after

log = logging.getLogger(__name__)

T = TypeVar("T")

REFRESH_MARGIN_S = 600
HTTP_TIMEOUT_S = 30.0
DEFAULT_RETRY_AFTER_S = 60.0
COOLDOWN_KEY = "runcoach:strava:cooldown"
REAUTH_MESSAGE = (
    "Strava no longer accepts RunCoach's access (it was revoked, or a permission is missing). "
    "Connect Strava again in Settings."
)

SessionFactory = Callable[[], requests.Session]
_session_factory: SessionFactory | None = None


def use_http_session_factory(factory: SessionFactory | None) -> None:
    """Where Strava's HTTP sessions come from (default: a plain `requests.Session`). Tests point it at the
    local fake; a deployment could add a proxy or client certificates here."""
    global _session_factory
    _session_factory = factory


class _TimeoutAdapter(HTTPAdapter):
    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = HTTP_TIMEOUT_S
        return super().send(request, **kwargs)


class ResponseRecorder:
    """The last answer's status and headers, and Strava's usage headers (stravalib hides the first)."""

    def __init__(self) -> None:
        self.reset()
        self.rates: RequestRate | None = None

    def reset(self) -> None:
        self.status: int | None = None
        self.method = "GET"
        self.headers: dict[str, str] = {}

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        self.status = response.status_code
        self.method = str(response.request.method or "GET")
        self.headers = dict(response.headers)
        return response

    def limiter(self, headers: dict[str, str], method: str) -> None:
        rates = get_rates_from_response_headers(dict(headers), method)  # type: ignore[arg-type]
        if rates is not None:
            self.rates = rates


class _Protocol(ApiV3):
    def _check_credentials(self) -> None:
        """No automatic refresh from environment variables: RunCoach refreshes and saves tokens itself."""
        self.client_id = None
        self.client_secret = None


class StravaApi(Client):
    """stravalib's Client on our HTTP session, with our recorder as its rate limiter and no auto-refresh."""

    def __init__(self, access_token: str | None = None) -> None:  # deliberately not calling super().__init__
        self.recorder = ResponseRecorder()
        session = _session_factory() if _session_factory is not None else requests.Session()
        adapter = _TimeoutAdapter(pool_connections=4, pool_maxsize=4)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.hooks["response"].append(self.recorder.hook)
        self.log = logging.getLogger("stravalib.client.Client")
        self.protocol = _Protocol(
            access_token=access_token, requests_session=session, rate_limiter=self.recorder.limiter
        )


def window_wait_s(rates: RequestRate | None, *, reserve: int = 0, now: float | None = None) -> float | None:
    """Seconds until Strava's next window when usage (plus `reserve`) has reached a limit, else None."""
    if rates is None:
        return None
    now = time.time() if now is None else now
    if rates.long_usage + reserve >= rates.long_limit:
        midnight = (datetime.fromtimestamp(now, UTC) + timedelta(days=1)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        return midnight.timestamp() - now + 5
    if rates.short_usage + reserve >= rates.short_limit:
        return (math.floor(now / 900) + 1) * 900 - now + 5
    return None


def next_window_s(headers: dict[str, str], method: str = "GET", *, now: float | None = None) -> float:
    """Seconds until Strava lets us in again, from Retry-After or its rate-limit headers."""
    retry_after = parse_retry_after(headers.get("Retry-After") or headers.get("retry-after"))
    if retry_after is not None:
        return max(1.0, retry_after)
    rates = get_rates_from_response_headers(dict(headers), method)  # type: ignore[arg-type]
    return window_wait_s(rates, now=now) or DEFAULT_RETRY_AFTER_S


def translate_error(error: BaseException, recorder: ResponseRecorder, *, what: str) -> CoachError:
    if isinstance(error, CoachError):
        return error
    status = recorder.status if recorder.status is not None and recorder.status >= 400 else None
    if status is None and isinstance(error, exc.Fault) and error.response is not None:
        status = error.response.status_code
    detail = {"status": status} if status else {}
    if status == 429:
        wait = next_window_s(recorder.headers, recorder.method)
        at = (datetime.now(UTC) + timedelta(seconds=wait)).strftime("%H:%M UTC")
        return RateLimited(
            f"Strava's rate limit for RunCoach is used up ({what}); continuing after {at}.",
            retry_after_s=wait,
            details=detail,
        )
    if status == 401 or isinstance(error, exc.AccessUnauthorized):
        return ReauthRequired(REAUTH_MESSAGE, details=detail)
    if status == 404 or isinstance(error, exc.ObjectNotFound):
        return NotFound(f"Strava has nothing for {what}.", details=detail)
    if status is not None and status >= 500:
        return ServiceUnavailable(f"Strava answered {status} for {what}; it will be retried.", details=detail)
    if status is None and isinstance(error, (requests.RequestException, OSError, ValueError)):
        return ServiceUnavailable(f"Could not reach Strava for {what}: {error}", details=detail)
    return IntegrationError(f"Strava refused {what}: {error}", details=detail)


async def check_cooldown() -> None:
    """Raise RateLimited while the app-wide Strava cooldown (set by a 429) lasts."""
    ttl_ms = await get_redis().pttl(COOLDOWN_KEY)
    if ttl_ms and ttl_ms > 0:
        raise RateLimited(
            "Strava's rate limit for RunCoach is used up; waiting for the next window.",
            retry_after_s=max(1.0, ttl_ms / 1000),
        )


async def _start_cooldown(seconds: float) -> None:
    await get_redis().set(COOLDOWN_KEY, "1", px=max(1000, int(seconds * 1000)))


def app_credentials() -> tuple[int, str]:
    settings = get_settings()
    if not settings.strava_client_id or settings.strava_client_secret is None:
        raise NotConfigured(
            "Strava is not set up on this server: the operator must set RUNCOACH_STRAVA_CLIENT_ID and "
            "RUNCOACH_STRAVA_CLIENT_SECRET (from strava.com/settings/api)."
        )
    try:
        client_id = int(settings.strava_client_id)
    except ValueError as error:
        raise NotConfigured("RUNCOACH_STRAVA_CLIENT_ID must be the numeric client id from Strava.") from error
    return client_id, settings.strava_client_secret.get_secret_value()


async def run_call(api: StravaApi, fn: Callable[..., T], *args: Any, what: str, **kwargs: Any) -> T:
    """Run one stravalib call in a thread; failures become CoachErrors (a 429 also starts the cooldown)."""
    api.recorder.reset()
    try:
        return await asyncio.to_thread(fn, *args, **kwargs)
    except Exception as error:
        translated = translate_error(error, api.recorder, what=what)
        if isinstance(translated, RateLimited):
            await _start_cooldown(translated.retry_after_s)
        raise translated from error


class StravaConnection:
    """A user's Strava access with a fresh token; `call` translates failures and marks `needs_reauth`."""

    def __init__(self, user_id: int, api: StravaApi, scopes: set[str]) -> None:
        self.user_id = user_id
        self.api = api
        self.scopes = scopes

    async def call(self, fn: Callable[..., T], *args: Any, what: str, **kwargs: Any) -> T:
        try:
            return await run_call(self.api, fn, *args, what=what, **kwargs)
        except ReauthRequired as error:
            await record_needs_reauth(self.user_id, "strava", error.message)
            raise

    async def check_answer(self, body: Any, *, what: str) -> None:
        """For calls made with `check_for_errors=False` (uploads): raise what an error status means."""
        status = self.api.recorder.status
        if status is None or status < 400:
            return
        error = translate_error(exc.Fault(f"{status}: {body}"), self.api.recorder, what=what)
        if isinstance(error, RateLimited):
            await _start_cooldown(error.retry_after_s)
        elif isinstance(error, ReauthRequired):
            await record_needs_reauth(self.user_id, "strava", error.message)
        raise error


def _expires_soon(credentials: dict[str, Any]) -> bool:
    return float(credentials.get("expires_at") or 0) - time.time() < REFRESH_MARGIN_S


async def _load(user_id: int) -> tuple[dict[str, Any], set[str]]:
    credentials, settings = await load_credentials(user_id, "strava")
    return credentials, set(settings.get("scopes") or [])


async def _refresh(user_id: int) -> dict[str, Any]:
    def busy(holder: str | None) -> CoachError:
        return ServiceUnavailable("Another process is renewing the Strava access; retrying shortly.")

    async with hold_lock(
        get_redis(),
        f"runcoach:lock:strava-refresh:{user_id}",
        ttl_s=30,
        owner="refresh",
        busy=busy,
        wait_s=20,
    ):
        credentials, _ = await _load(user_id)  # another worker may have refreshed while we waited
        if not _expires_soon(credentials):
            return credentials
        client_id, secret = app_credentials()
        api = StravaApi()
        try:
            info = await run_call(
                api,
                api.refresh_access_token,
                client_id,
                secret,
                str(credentials.get("refresh_token")),
                what="renewing the access token",
            )
        except IntegrationError as error:
            if api.recorder.status in (400, 401):  # the refresh token itself was refused
                await record_needs_reauth(user_id, "strava", REAUTH_MESSAGE)
                raise ReauthRequired(REAUTH_MESSAGE) from error
            raise
        fresh: dict[str, Any] = {
            "access_token": info["access_token"],
            "refresh_token": info["refresh_token"],
            "expires_at": int(info["expires_at"]),
        }
        await save_rotated_credentials(
            user_id, "strava", fresh, expires_at=datetime.fromtimestamp(fresh["expires_at"], UTC)
        )
        log.info("renewed the Strava access token of user %s", user_id)
        return fresh


async def open_strava(user_id: int, *, need_scope: str | None = None) -> StravaConnection:
    """The user's Strava connection with an access token valid for at least `REFRESH_MARGIN_S`."""
    await check_cooldown()
    credentials, scopes = await _load(user_id)
    if need_scope is not None and scopes and need_scope not in scopes:
        raise ReauthRequired(
            f"RunCoach is not allowed to do this on Strava (permission {need_scope!r} was not granted). "
            "Connect Strava again and allow it."
        )
    if _expires_soon(credentials):
        credentials = await _refresh(user_id)
    return StravaConnection(user_id, StravaApi(str(credentials["access_token"])), scopes)
