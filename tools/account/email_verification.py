"""Proving an account holds its e-mail address: a signed, expiring link sent to the address.

The token is `<user id>.<expiry, unix s>.<MAC>`, the MAC an HMAC-SHA256 over the user id, the expiry and
the account's current e-mail address, keyed by a key derived from the server's secret key (`fernet_key`).
Nothing is stored: a token is valid until it expires, only for that account and only while the account
keeps that address. Using it twice is harmless (the address is already verified).

Verified e-mail is what the other flows rely on: a coach invitation is accepted only by the verified holder
of the address (`tools.account.coaching`); Google sign-in joins an existing password account only when
its address was verified (`tools.account.google_signin`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import User
from core.runtime import fernet_key
from core.settings import Settings
from tools.account.mailer import Mail

BAD_LINK = (
    "This verification link is not valid, has expired, or is for an address the account no longer uses. "
    "Sign in and ask for a new link."
)


def _key(settings: Settings) -> bytes:
    return hashlib.sha256(b"runcoach:email-verification\0" + fernet_key(settings)).digest()


def _mac(settings: Settings, user_id: int, email: str, expires: int) -> str:
    message = f"verify-email:{user_id}:{email.lower()}:{expires}".encode()
    digest = hmac.new(_key(settings), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(settings: Settings, user: User, *, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    expires = int((now + timedelta(seconds=settings.email_verification_ttl_s)).timestamp())
    return f"{user.id}.{expires}.{_mac(settings, user.id, user.email, expires)}"


def base_url(settings: Settings) -> str:
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def verification_mail(settings: Settings, user: User, *, now: datetime | None = None) -> Mail:
    link = f"{base_url(settings)}/#/verify-email?token={make_token(settings, user, now=now)}"
    hours = settings.email_verification_ttl_s // 3600
    return Mail(
        to=user.email,
        subject="Confirm your e-mail address for RunCoach",
        body=(
            f"Hello,\n\nopen this link to confirm that {user.email} is yours:\n\n{link}\n\n"
            f"The link works for {hours} hours. If you did not create a RunCoach account, ignore this "
            "message: nothing happens without the link.\n"
        ),
    )


def existing_account_mail(settings: Settings, email: str) -> Mail:
    """What a sign-up for an address that already has an account sends instead (the sign-up answer itself
    is the same either way, so it does not tell anyone which addresses have accounts)."""
    return Mail(
        to=email,
        subject="You already have a RunCoach account",
        body=(
            f"Hello,\n\nsomeone (perhaps you) tried to create a RunCoach account for {email}, but this "
            f"address already has one. Sign in at {base_url(settings)}/#/signin instead.\n\nIf it was not "
            "you, you can ignore this message: no account was changed.\n"
        ),
    )


def is_verified(user: User) -> bool:
    return user.email_verified_at is not None


async def verify(
    session: AsyncSession, settings: Settings, token: str, *, now: datetime | None = None
) -> User:
    """Mark the token's account verified (InvalidInput for a bad, expired or stale token). Flushes."""
    now = now or datetime.now(UTC)
    parts = token.strip().split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[0]) > 19:
        raise InvalidInput(BAD_LINK)
    user_id, expires = int(parts[0]), int(parts[1])
    if expires < now.timestamp():
        raise InvalidInput(BAD_LINK)
    user = await session.get(User, user_id)
    if user is None or not hmac.compare_digest(parts[2], _mac(settings, user.id, user.email, expires)):
        raise InvalidInput(BAD_LINK)
    if user.email_verified_at is None:
        user.email_verified_at = now
        await session.flush()
    return user
