"""Linking a Telegram chat to an account with a one-time code.

The web settings page (or `runcoach telegram link-code`) asks for a code; the athlete sends `/start CODE`
to the bot. The code lives in Redis with a TTL and is consumed atomically (GETDEL), so it works once; a
new code replaces the previous one. The link itself is an `integrations` row with provider `telegram` and
the chat id as `external_id`. A chat links to one account at a time; linking it again moves it.
Wrong codes are counted per chat, so codes cannot be guessed by brute force.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound, RateLimited
from core.models import User
from tools.notifications import repository
from tools.notifications.repository import TelegramLinks

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 8
CODE_TTL_S = 600
MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW_S = 600


def _code_key(code: str) -> str:
    return f"runcoach:telegram:link:{code}"


def _user_key(user_id: int) -> str:
    return f"runcoach:telegram:link-user:{user_id}"


def _wrong_key(chat_id: int | str) -> str:
    return f"runcoach:telegram:wrong-code:{chat_id}"


class LinkCode(BaseModel):
    code: str
    expires_in_s: int
    how: str = Field(description="what the athlete does with it")


class TelegramLink(BaseModel):
    linked: bool
    chat_id: str | None = None
    username: str | None = None
    linked_at: datetime | None = None


def normalise_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


async def create_link_code(redis: Redis, user_id: int, *, ttl_s: int = CODE_TTL_S) -> LinkCode:
    """A fresh one-time code for `user_id` (any earlier unused code stops working)."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    previous = await redis.getset(_user_key(user_id), code)
    async with redis.pipeline(transaction=True) as pipe:
        if previous:
            pipe.delete(_code_key(previous.decode() if isinstance(previous, bytes) else str(previous)))
        pipe.set(_code_key(code), str(user_id), ex=ttl_s)
        pipe.expire(_user_key(user_id), ttl_s)
        await pipe.execute()
    return LinkCode(
        code=code,
        expires_in_s=ttl_s,
        how=f"Open the RunCoach bot in Telegram and send: /start {code} (valid for {ttl_s // 60} minutes)",
    )


async def redeem_link_code(
    session: AsyncSession,
    redis: Redis,
    code: str,
    *,
    chat_id: int | str,
    username: str | None,
    now: datetime | None = None,
) -> User:
    """Link `chat_id` to the account the code was made for; the code is used up. Raises InvalidInput for
    an unknown or expired code, RateLimited after too many wrong codes from one chat."""
    wrong = await redis.get(_wrong_key(chat_id))
    if wrong is not None and int(wrong) >= MAX_WRONG_CODES:
        ttl = await redis.ttl(_wrong_key(chat_id))
        raise RateLimited(
            "Too many wrong codes from this chat. Wait a few minutes, then send a new code.",
            retry_after_s=float(max(ttl, 1)),
        )
    raw = await redis.getdel(_code_key(normalise_code(code)))
    if raw is None:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.incr(_wrong_key(chat_id))
            pipe.expire(_wrong_key(chat_id), WRONG_CODE_WINDOW_S)
            await pipe.execute()
        raise InvalidInput(
            "That code is not valid or has expired. Get a new one in RunCoach under Settings → Telegram."
        )
    user = await session.get(User, int(raw))
    if user is None:
        raise NotFound("The account for that code no longer exists.")
    await redis.delete(_user_key(user.id))
    chat = str(chat_id)
    links = TelegramLinks(session, user.id)
    # the chat moves to this account; this account's earlier chat (if any) is replaced
    await links.take_chat(chat)
    link = await links.get()
    settings = {"username": username, "linked_at": (now or datetime.now(UTC)).isoformat()}
    if link is None:
        links.add(chat, settings)
    else:
        link.external_id, link.status, link.settings = chat, "connected", settings
    await session.flush()
    return user


async def user_for_chat(session: AsyncSession, chat_id: int | str) -> User | None:
    """The account a chat is linked to, if any."""
    return await repository.user_for_chat(session, str(chat_id))


async def chat_for_user(session: AsyncSession, user_id: int) -> str | None:
    return await TelegramLinks(session, user_id).connected_chat()


async def telegram_link(session: AsyncSession, user_id: int) -> TelegramLink:
    row = await TelegramLinks(session, user_id).get()
    if row is None or row.status != "connected":
        return TelegramLink(linked=False)
    linked_at = row.settings.get("linked_at")
    return TelegramLink(
        linked=True,
        chat_id=row.external_id,
        username=row.settings.get("username"),
        linked_at=datetime.fromisoformat(linked_at) if linked_at else None,
    )


async def unlink(
    session: AsyncSession, *, user_id: int | None = None, chat_id: int | str | None = None
) -> bool:
    """Remove the Telegram link of an account or of a chat. True when there was one."""
    if user_id is not None:
        return await TelegramLinks(session, user_id).remove()
    if chat_id is not None:
        return await repository.unlink_chat(session, str(chat_id))
    raise ValueError("unlink needs a user_id or a chat_id")


async def chat_thread(session: AsyncSession, user_id: int) -> str | None:
    """The conversation the linked chat continues (None: start a new one)."""
    row = await TelegramLinks(session, user_id).get()
    value = ((row.settings if row is not None else None) or {}).get("thread_id")
    return str(value) if value else None


async def set_chat_thread(session: AsyncSession, user_id: int, thread_id: str | None) -> None:
    row = await TelegramLinks(session, user_id).get()
    if row is not None:
        row.settings = {**row.settings, "thread_id": thread_id}
        await session.flush()
