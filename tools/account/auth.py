"""Sign-up, sign-in and password change: rate limits, argon2 checks, sessions.

argon2 takes tens of milliseconds of CPU by design, so verification and re-hashing run in a worker thread
(argon2-cffi releases the GIL) instead of stalling the event loop. An unknown email still costs one
verification, so response time does not tell which accounts exist.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, field_validator
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Forbidden, InvalidInput, Unauthorized
from core.models import User
from core.passwords import hash_password, needs_rehash, verify_password
from core.settings import Settings
from tools.account import ratelimit
from tools.account.email_verification import existing_account_mail, verification_mail
from tools.account.mailer import Mail
from tools.account.password_policy import MIN_PASSWORD_LENGTH, weak_password_reason
from tools.account.profile import Profile, check_timezone
from tools.account.repository import find_user_by_email
from tools.account.sessions import ActiveSession, NewSession, create_session, end_other_sessions
from tools.account.users import create_user, normalise_email

MAX_PASSWORD_LENGTH = 1024
BAD_CREDENTIALS = "That email and password don't match. Check both and try again."


class Registration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320, examples=["runner@example.com"])
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    display_name: str | None = Field(default=None, max_length=120)
    timezone: str = Field(default="UTC", description="IANA name, e.g. Europe/Berlin")

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        try:
            return normalise_email(value)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return check_timezone(value)


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320, examples=["runner@example.com"])
    password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=MAX_PASSWORD_LENGTH)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)


@dataclass(frozen=True)
class SignedIn:
    profile: Profile
    session: NewSession


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("no account has this password")


async def _verify(password_hash: str | None, password: str) -> bool:
    if password_hash is None:  # same cost as a real check: timing does not reveal unknown accounts
        dummy = await asyncio.to_thread(_dummy_hash)
        await asyncio.to_thread(verify_password, dummy, password)
        return False
    return await asyncio.to_thread(verify_password, password_hash, password)


async def register(
    session: AsyncSession, redis: Redis, new: Registration, *, client_ip: str, settings: Settings
) -> Mail:
    """Create the account and return the mail to send once the unit of work commits: a verification link,
    or, when the address already has an account, a "you already have an account" note to that address.
    The caller answers the same in both cases, so sign-up does not tell which addresses have accounts
    (and the password is hashed in both, so neither does the time it takes)."""
    await ratelimit.hit(
        redis,
        ratelimit.rate_key("register-ip", client_ip),
        ratelimit.parse_rate(settings.rate_limit_register_ip),
        message="Too many sign-ups from this address.",
    )
    if (weak := weak_password_reason(new.password)) is not None:
        raise InvalidInput(weak, details={"field": "password"})
    password_hash = await asyncio.to_thread(hash_password, new.password)  # in a worker thread
    if await find_user_by_email(session, new.email) is not None:
        return existing_account_mail(settings, new.email)
    user = await create_user(session, new.email, None, display_name=new.display_name, timezone=new.timezone)
    user.password_hash = password_hash
    await session.flush()
    await session.refresh(user)
    return verification_mail(settings, user)


async def sign_in(
    session: AsyncSession, redis: Redis, credentials: Credentials, *, client_ip: str, settings: Settings
) -> SignedIn:
    """Check the password (rate-limited per IP and per account) and start a session.

    Every attempt counts against both limits; a successful sign-in clears the account's count, so only a
    run of failures locks an account out (for a minute at the default rate)."""
    account_key = ratelimit.rate_key("login-account", ratelimit.subject_hash(credentials.email))
    await ratelimit.hit(
        redis,
        ratelimit.rate_key("login-ip", client_ip),
        ratelimit.parse_rate(settings.rate_limit_login_ip),
        message="Too many sign-in attempts from this address.",
    )
    await ratelimit.hit(
        redis,
        account_key,
        ratelimit.parse_rate(settings.rate_limit_login_account),
        message="Too many sign-in attempts for this account.",
    )
    user = await find_user_by_email(session, credentials.email)
    if not await _verify(user.password_hash if user else None, credentials.password) or user is None:
        raise Unauthorized(BAD_CREDENTIALS)
    assert user.password_hash is not None
    if needs_rehash(user.password_hash):
        user.password_hash = await asyncio.to_thread(hash_password, credentials.password)
        await session.flush()
    await ratelimit.reset(redis, account_key)
    new = await create_session(redis, user.id, idle_ttl_s=settings.session_idle_ttl_s)
    return SignedIn(profile=Profile.model_validate(user), session=new)


async def change_password(
    session: AsyncSession,
    redis: Redis,
    user: User,
    change: PasswordChange,
    *,
    keep: ActiveSession | None,
    settings: Settings,
) -> int:
    """Set a new password after checking the current one; end every other session (all of them when the
    change came with a bearer token, `keep=None`). Returns how many sessions were ended."""
    await ratelimit.hit(
        redis,
        ratelimit.rate_key("password-user", str(user.id)),
        ratelimit.parse_rate(settings.rate_limit_password_change),
        message="Too many password changes.",
    )
    if not await _verify(user.password_hash, change.current_password):
        raise Forbidden(
            "The current password is not right, so the password was not changed. Check it and try again."
        )
    if (weak := weak_password_reason(change.new_password)) is not None:
        raise InvalidInput(weak, details={"field": "new_password"})
    if change.new_password == change.current_password:
        raise InvalidInput(
            "Choose a new password that differs from the current one.", details={"field": "new_password"}
        )
    user.password_hash = await asyncio.to_thread(hash_password, change.new_password)
    await session.flush()
    return await end_other_sessions(redis, user.id, keep=keep)
