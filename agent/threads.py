"""Threads (conversations) and their stored messages: the SQL of the chat, scoped by user.

A thread's id is its LangGraph thread id. Nobody reads or writes another user's thread: every function here
takes the user and answers `NotFound` for a thread that is not theirs (the same answer as for a thread that
does not exist, so ids cannot be probed).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import case, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, InvalidInput, NotFound
from core.models import Conversation, Message, User

__all__ = [
    "MAX_MESSAGE_CHARS",
    "add_message",
    "check_message",
    "check_owner",
    "claim_thread",
    "create_thread",
    "delete_thread",
    "get_thread",
    "list_messages",
    "list_threads",
    "lock_thread",
    "open_thread",
    "rename_thread",
    "title_from_message",
]

MAX_MESSAGE_CHARS = 8000
TITLE_CHARS = 60


def title_from_message(message: str, *, limit: int = TITLE_CHARS) -> str:
    """A thread title from its first message: first sentence or line, whitespace collapsed, cut at a word."""
    text = " ".join(message.split())
    first = re.split(r"(?<=[.!?])\s|\n", text, maxsplit=1)[0].strip() or text
    if len(first) <= limit:
        return first.rstrip(".") or "New conversation"
    cut = first[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-") + "…"


def _thread_id(value: uuid.UUID | str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError as exc:
        raise NotFound("There is no such conversation. Start a new one.") from exc


async def get_thread(session: AsyncSession, user: User, thread_id: uuid.UUID | str) -> Conversation:
    """The user's thread, or NotFound."""
    conversation = await session.get(Conversation, _thread_id(thread_id))
    if conversation is None or conversation.user_id != user.id:
        raise NotFound("There is no such conversation. Start a new one.")
    return conversation


async def open_thread(
    session: AsyncSession,
    user: User,
    thread_id: uuid.UUID | str | None,
    *,
    first_message: str | None,
    channel: str = "web",
) -> tuple[Conversation, bool]:
    """The user's thread `thread_id`, created when it does not exist yet (a client may choose the id).

    Returns (thread, created). NotFound when the id belongs to someone else.
    """
    if thread_id is not None:
        tid = _thread_id(thread_id)
        existing = await session.get(Conversation, tid)
        if existing is not None:
            if existing.user_id != user.id:
                raise NotFound("There is no such conversation. Start a new one.")
            return existing, False
    else:
        tid = uuid.uuid4()
    return await create_thread(session, user, tid, first_message=first_message, channel=channel), True


async def create_thread(
    session: AsyncSession,
    user: User,
    thread_id: uuid.UUID | str,
    *,
    first_message: str | None,
    channel: str = "web",
) -> Conversation:
    """A new thread of the user's with this id (the caller knows it does not exist: `claim_thread`)."""
    title = title_from_message(first_message) if first_message else None
    conversation = Conversation(id=_thread_id(thread_id), user_id=user.id, title=title, channel=channel[:16])
    session.add(conversation)
    await session.flush()
    return conversation


async def check_owner(session: AsyncSession, user: User, thread_id: uuid.UUID | str) -> None:
    """NotFound when `thread_id` exists and is someone else's (a missing one is fine: it may be created)."""
    existing = await session.get(Conversation, _thread_id(thread_id))
    if existing is not None and existing.user_id != user.id:
        raise NotFound("There is no such conversation. Start a new one.")


async def claim_thread(
    session: AsyncSession, user_id: int, thread_id: uuid.UUID | str
) -> tuple[User, Conversation | None]:
    """The user, their thread (None when no thread has this id yet: it may be created) and the thread's lock
    for this transaction (`lock_thread`), in one round trip.

    NotFound when the account is gone or the thread is someone else's (then no lock is taken: never hold
    someone else's thread); Conflict when another turn on the thread is still running."""
    tid = _thread_id(thread_id)
    lock = func.pg_try_advisory_xact_lock(func.hashtextextended(f"runcoach:thread:{tid}", 0))
    mine = or_(Conversation.user_id.is_(None), Conversation.user_id == User.id)
    row = (
        await session.execute(
            select(User, Conversation, case((mine, lock), else_=None))
            .select_from(User)
            .outerjoin(Conversation, Conversation.id == tid)
            .where(User.id == user_id)
        )
    ).first()
    if row is None:
        raise NotFound("Your account no longer exists. Sign in again.")
    user, conversation, locked = row
    if conversation is not None and conversation.user_id != user.id:
        raise NotFound("There is no such conversation. Start a new one.")
    if not locked:
        raise Conflict("The coach is still answering in this conversation. Wait for it to finish.")
    return user, conversation


async def lock_thread(session: AsyncSession, thread_id: uuid.UUID | str) -> None:
    """Hold the thread for this transaction; Conflict when another turn on it is still running.

    An advisory lock on the id, taken before the thread row is created, so two first turns on a new
    client-chosen id cannot race either."""
    key = f"runcoach:thread:{_thread_id(thread_id)}"
    taken = await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
    )
    if not taken:
        raise Conflict("The coach is still answering in this conversation. Wait for it to finish.")


async def add_message(
    session: AsyncSession,
    conversation: Conversation,
    *,
    role: str,
    content: str,
    events: list[dict[str, Any]] | None = None,
    model: str | None = None,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
) -> Message:
    message = Message(
        conversation_id=conversation.id,
        user_id=conversation.user_id,
        role=role,
        content=content,
        events=events or [],
        model=model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
    )
    session.add(message)
    if conversation.title is None and role == "user" and content:
        conversation.title = title_from_message(content)
    await session.execute(
        update(Conversation).where(Conversation.id == conversation.id).values(updated_at=func.now())
    )
    await session.flush()
    return message


def check_message(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput("Write a message for the coach.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidInput(f"That message is too long; keep it under {MAX_MESSAGE_CHARS} characters.")
    return text


async def rename_thread(
    session: AsyncSession, user: User, thread_id: uuid.UUID | str, title: str
) -> Conversation:
    """Give the user's thread a new title (whitespace collapsed), or NotFound."""
    conversation = await get_thread(session, user, thread_id)
    title = " ".join(title.split())
    if not title:
        raise InvalidInput("Give the conversation a title.")
    conversation.title = title[:200]
    await session.flush()
    return conversation


async def delete_thread(session: AsyncSession, user: User, thread_id: uuid.UUID | str) -> None:
    """Delete the user's thread and its stored messages (the caller drops its checkpoints), or NotFound."""
    conversation = await get_thread(session, user, thread_id)
    await session.delete(conversation)
    await session.flush()


async def list_threads(session: AsyncSession, user: User, *, limit: int = 50) -> list[Conversation]:
    rows = await session.execute(
        select(Conversation)
        .where(Conversation.user_id == user.id, Conversation.archived.is_(False))
        .order_by(Conversation.updated_at.desc())
        .limit(max(1, min(limit, 200)))
    )
    return list(rows.scalars())


async def list_messages(
    session: AsyncSession, user: User, thread_id: uuid.UUID | str, *, limit: int = 200
) -> list[Message]:
    """A thread's stored messages, oldest first (NotFound for another user's thread)."""
    conversation = await get_thread(session, user, thread_id)
    rows = await session.execute(
        select(Message)
        .where(Message.conversation_id == conversation.id)
        .order_by(Message.created_at, Message.id)
        .limit(max(1, min(limit, 1000)))
    )
    return list(rows.scalars())
