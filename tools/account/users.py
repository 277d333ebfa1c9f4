"""Users: create, find. The one place accounts are written (API sign-up, CLI `user add`, the demo)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, InvalidInput, NotFound
from core.models import User
from core.passwords import hash_password
from tools.account.password_policy import weak_password_reason
from tools.account.repository import find_user_by_email

__all__ = ["create_user", "find_user_by_email", "get_user_by_email", "normalise_email"]

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    email = email.strip()
    if not EMAIL_RE.match(email):
        raise InvalidInput(f"{email!r} is not an email address.")
    return email.lower()


async def get_user_by_email(session: AsyncSession, email: str) -> User:
    user = await find_user_by_email(session, email)
    if user is None:
        raise NotFound(f"No user with email {email}. Create one with `runcoach user add {email}`.")
    return user


async def create_user(
    session: AsyncSession,
    email: str,
    password: str | None,
    *,
    display_name: str | None = None,
    timezone: str = "UTC",
    is_demo: bool = False,
) -> User:
    email = normalise_email(email)
    if password is not None and (weak := weak_password_reason(password)) is not None:
        raise InvalidInput(weak)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"{timezone!r} is not a time zone; use an IANA name like Europe/Berlin.") from exc
    if await find_user_by_email(session, email) is not None:
        raise Conflict(f"An account for {email} already exists. Sign in instead.")
    user = User(
        email=email,
        password_hash=hash_password(password) if password else None,
        display_name=display_name,
        timezone=timezone,
        is_demo=is_demo,
        preferences={},
    )
    session.add(user)
    await session.flush()
    return user
