"""Connecting Garmin Connect: email + password once, the MFA code handed over through Redis, tokens kept.

The MFA handoff
---------------
A Garmin sign-in is a conversation with Garmin's SSO that cannot be serialised: the SSO session (cookies,
the chosen login strategy) lives in the garminconnect client object of the process that started it. So
the sign-in runs to its end in one process (`connect_garmin`), and only the code travels:

1. `start_garmin_login(user_id, email, password)` (the API's "connect" request) writes a pending-login
   record `runcoach:garmin:login:<user>` in Redis (state `signing_in`, a fresh `login_id`, a TTL), starts
   `connect_garmin` as a background task in this process and returns as soon as the state is known:
   `connected`, `failed`, or `needs_mfa` (Garmin has sent the user a code).
2. While it waits, the sign-in blocks on the Redis list `runcoach:garmin:login:<user>:<login_id>:code`
   (BLPOP in short slices, so it notices a newer sign-in replacing it). The wait ends after
   `settings.garmin_mfa_timeout_s` with the state `failed` and a message saying to start again.
3. `submit_garmin_mfa(user_id, code)`, called by any process (the web app's API replica, the Telegram
   bot, the CLI), checks that a sign-in is waiting, pushes the code onto that list and waits briefly for
   the outcome, which it returns. A wrong code sends the sign-in back to `needs_mfa` (3 tries).
4. On success the session tokens (never the password) are saved encrypted on the Integration row, the
   profile's display name is kept, and the state becomes `connected`. The password only ever lives in
   the memory of the task doing the sign-in; it is not written to Redis, the database, a job or a log.

`garmin_login_state(user_id)` reads the record (for polling UIs). `connect_garmin` can also be awaited
directly (the CLI does, prompting for the code when the state turns `needs_mfa`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import session_scope
from core.errors import (
    CoachError,
    Conflict,
    IntegrationError,
    InvalidInput,
    RateLimited,
    ServiceUnavailable,
)
from core.redis import get_redis
from core.settings import get_settings
from tools.garmin.client import TrackedClient, token_expiry, translate_error
from tools.integrations.credentials import remove_integration, save_credentials

log = logging.getLogger(__name__)

LoginStateName = Literal["signing_in", "needs_mfa", "verifying", "connected", "failed"]
MFA_ATTEMPTS = 3
_CODE_POLL_S = 2.0
_background: set[asyncio.Task[None]] = set()


class GarminLoginState(BaseModel):
    """Where a Garmin sign-in is. `message` is for the user."""

    login_id: str
    state: LoginStateName
    message: str
    mfa_attempts: int = 0
    display_name: str | None = None
    updated_at: datetime


class MfaTimedOut(IntegrationError):
    code = "garmin_mfa_timeout"
    status = 408


def _state_key(user_id: int) -> str:
    return f"runcoach:garmin:login:{user_id}"


def _code_key(user_id: int, login_id: str) -> str:
    return f"runcoach:garmin:login:{user_id}:{login_id}:code"


def _ttl_s() -> int:
    return get_settings().garmin_mfa_timeout_s + 120


async def garmin_login_state(user_id: int, *, redis: Redis | None = None) -> GarminLoginState | None:
    """The user's latest Garmin sign-in (None if there was none recently)."""
    raw = await (redis or get_redis()).get(_state_key(user_id))
    return GarminLoginState.model_validate_json(raw) if raw else None


async def _put_state(
    redis: Redis, user_id: int, login_id: str, state: LoginStateName, message: str, **extra: Any
) -> GarminLoginState:
    record = GarminLoginState(
        login_id=login_id, state=state, message=message, updated_at=datetime.now(UTC), **extra
    )
    await redis.set(_state_key(user_id), record.model_dump_json(), ex=_ttl_s())
    return record


async def _wait_for_code(redis: Redis, user_id: int, login_id: str, timeout_s: float) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        current = await garmin_login_state(user_id, redis=redis)
        if current is None or current.login_id != login_id:
            raise Conflict("This Garmin sign-in was replaced by a newer one; finish that one instead.")
        remaining = deadline - loop.time()
        if remaining <= 0:
            minutes = max(1, round(timeout_s / 60))
            raise MfaTimedOut(
                f"No Garmin verification code arrived within {minutes} minute{'s' if minutes != 1 else ''}. "
                "Start connecting Garmin again and enter the code Garmin sends you."
            )
        item = await redis.blpop([_code_key(user_id, login_id)], timeout=min(_CODE_POLL_S, remaining))
        if item is not None:
            value = item[1]
            return value.decode() if isinstance(value, bytes) else str(value)


def _login_error(exc: BaseException, client: TrackedClient) -> CoachError:
    from garminconnect import (
        GarminConnectAuthenticationError,
        GarminConnectConnectionError,
        GarminConnectTooManyRequestsError,
    )

    if isinstance(exc, CoachError):
        return exc
    if isinstance(exc, GarminConnectTooManyRequestsError):
        return RateLimited(
            "Garmin is limiting sign-ins from this server right now. "
            "Wait about 15 minutes, then connect again.",
            retry_after_s=900,
        )
    if isinstance(exc, GarminConnectAuthenticationError):
        text = str(exc)
        if "MFA" in text:
            return InvalidInput("Garmin did not accept the verification code. Start connecting Garmin again.")
        if "Username or Password" in text or "401" in text:
            return InvalidInput(
                "Garmin did not accept this email and password. Check them (try signing in at "
                "connect.garmin.com) and connect again."
            )
        return IntegrationError(f"Garmin refused the sign-in: {text}")
    if isinstance(exc, GarminConnectConnectionError):
        return ServiceUnavailable(f"Could not sign in to Garmin Connect right now ({exc}). Try again later.")
    return translate_error(exc, client, what="the sign-in")


async def connect_garmin(
    user_id: int, email: str, password: str, *, login_id: str | None = None
) -> GarminLoginState:
    """Sign in to Garmin Connect (waiting for the MFA code through Redis when Garmin asks for one) and
    store the session tokens for the user. Returns the `connected` state; raises a CoachError, having
    recorded the `failed` state with the same message, on any failure."""
    redis = get_redis()
    settings = get_settings()
    login_id = login_id or uuid.uuid4().hex
    await _put_state(redis, user_id, login_id, "signing_in", "Signing in to Garmin Connect…")
    client = TrackedClient(domain=settings.garmin_domain)
    attempts = 0
    try:
        status, _ = await asyncio.to_thread(client.login, email.strip(), password, return_on_mfa=True)
        if status == "needs_mfa":
            message = "Garmin sent you a verification code (by email or text). Enter it to finish connecting."
            deadline = asyncio.get_running_loop().time() + settings.garmin_mfa_timeout_s
            while True:
                await _put_state(redis, user_id, login_id, "needs_mfa", message, mfa_attempts=attempts)
                code = await _wait_for_code(
                    redis, user_id, login_id, deadline - asyncio.get_running_loop().time()
                )
                attempts += 1
                await _put_state(
                    redis,
                    user_id,
                    login_id,
                    "verifying",
                    "Checking the code with Garmin…",
                    mfa_attempts=attempts,
                )
                try:
                    await asyncio.to_thread(client.resume_login, None, code)
                    break
                except Exception as exc:
                    error = _login_error(exc, client)
                    if not isinstance(error, InvalidInput) or attempts >= MFA_ATTEMPTS:
                        raise error from exc
                    message = "Garmin did not accept that code. Enter the newest code Garmin sent you."
        profile = await asyncio.to_thread(client.connectapi, "/userprofile-service/socialProfile")
        tokens = client.dumps()
        display_name = profile.get("displayName") if isinstance(profile, dict) else None
        full_name = profile.get("fullName") if isinstance(profile, dict) else None
        async with session_scope() as session:
            await save_credentials(
                session,
                user_id,
                "garmin",
                {"tokens": json.loads(tokens)},
                external_id=str(profile.get("profileId")) if isinstance(profile, dict) else None,
                expires_at=token_expiry(tokens),
                settings={
                    "display_name": display_name,
                    "full_name": full_name,
                    "connected_at": datetime.now(UTC).isoformat(),
                },
                reconnect=True,
            )
        who = full_name or display_name or "your account"
        return await _put_state(
            redis,
            user_id,
            login_id,
            "connected",
            f"Connected to Garmin Connect as {who}.",
            mfa_attempts=attempts,
            display_name=display_name,
        )
    except Exception as exc:
        error = _login_error(exc, client)
        current = await garmin_login_state(user_id, redis=redis)
        if current is not None and current.login_id == login_id:  # a newer sign-in keeps its own state
            await _put_state(redis, user_id, login_id, "failed", error.message, mfa_attempts=attempts)
        if error is exc:
            raise
        raise error from exc
    finally:
        await redis.delete(_code_key(user_id, login_id))


async def _run_in_background(coro: Any) -> None:
    try:
        await coro
    except CoachError as exc:
        log.info("Garmin sign-in ended: %s", exc.message)
    except Exception:
        log.exception("Garmin sign-in crashed")


async def start_garmin_login(
    user_id: int, email: str, password: str, *, wait_s: float = 60.0
) -> GarminLoginState:
    """Start connecting Garmin in the background of this process; return once Garmin wants the MFA code,
    or the sign-in finished or failed (or, after `wait_s`, with the state it is in)."""
    if not email.strip() or not password:
        raise InvalidInput("Enter the email and password of your Garmin Connect account.")
    redis = get_redis()
    login_id = uuid.uuid4().hex
    await _put_state(redis, user_id, login_id, "signing_in", "Signing in to Garmin Connect…")
    task = asyncio.create_task(
        _run_in_background(connect_garmin(user_id, email, password, login_id=login_id)),
        name=f"garmin-login-{user_id}",
    )
    _background.add(task)
    task.add_done_callback(_background.discard)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        state = await garmin_login_state(user_id, redis=redis)
        if (
            state is not None
            and state.login_id == login_id
            and state.state in ("needs_mfa", "connected", "failed")
        ):
            return state
        if state is None or state.login_id != login_id:
            raise Conflict("A newer Garmin sign-in replaced this one.")
        if task.done() or loop.time() >= deadline:
            return state
        await asyncio.sleep(0.1)


async def submit_garmin_mfa(user_id: int, code: str, *, wait_s: float = 30.0) -> GarminLoginState:
    """Hand the MFA code to the sign-in waiting for it (in whichever process) and return the outcome:
    `connected`, `failed`, or `needs_mfa` again after a wrong code."""
    code = re.sub(r"\s+", "", code or "")
    if not re.fullmatch(r"\d{4,10}", code):
        raise InvalidInput("A Garmin verification code is 4 to 10 digits; check it and enter it again.")
    redis = get_redis()
    state = await garmin_login_state(user_id, redis=redis)
    if state is None or state.state not in ("needs_mfa",):
        if state is not None and state.state == "verifying":
            raise Conflict("Garmin is already checking a code for this sign-in; wait a moment.")
        raise Conflict("No Garmin sign-in is waiting for a code. Start connecting Garmin again.")
    key = _code_key(user_id, state.login_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.rpush(key, code)
        pipe.expire(key, 120)
        await pipe.execute()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        await asyncio.sleep(0.1)
        current = await garmin_login_state(user_id, redis=redis)
        if current is None or current.login_id != state.login_id:
            raise Conflict("This Garmin sign-in ended or was replaced; start connecting Garmin again.")
        waiting_again = current.state == "needs_mfa" and current.mfa_attempts > state.mfa_attempts
        if current.state in ("connected", "failed") or waiting_again or loop.time() >= deadline:
            return current


async def disconnect_garmin(session: AsyncSession, user_id: int) -> bool:
    """Forget the Garmin tokens (activities and health data already imported stay)."""
    await get_redis().delete(_state_key(user_id))
    return await remove_integration(session, user_id, "garmin")
