"""Threads (conversations) and their stored messages, scoped by user; the statements are in
`agent.repository`.

A thread's id is its LangGraph thread id. Nobody reads or writes another user's thread: every function here
takes the user and answers `NotFound` for a thread that is not theirs (the same answer as for a thread that
does not exist, so ids cannot be probed).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from agent.repository import NO_SUCH_THREAD, Conversations, Messages
from core.errors import Conflict, InvalidInput, NotFound
from core.models import Conversation, Message, User

__all__ = [
    "MAX_MESSAGE_CHARS",
    "add_message",
    "check_message",
    "claim_thread",
    "create_thread",
    "delete_thread",
    "get_thread",
    "list_messages",
    "list_threads",
    "open_thread",
    "rename_thread",
    "title_from_message",
]

STILL_ANSWERING = "The coach is still answering in this conversation. Wait for it to finish."

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
        raise NotFound(NO_SUCH_THREAD) from exc


async def get_thread(session: AsyncSession, user: User, thread_id: uuid.UUID | str) -> Conversation:
    """The user's thread, or NotFound."""
    return await Conversations(session, user.id).get(_thread_id(thread_id))


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
        existing = await Conversations(session, user.id).existing(tid)
        if existing is not None:
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
    return await Conversations(session, user.id).create(_thread_id(thread_id), title=title, channel=channel)


async def claim_thread(
    session: AsyncSession, user_id: int, thread_id: uuid.UUID | str
) -> tuple[User, Conversation | None]:
    """The user, their thread (None when no thread has this id yet: it may be created) and the thread's lock
    for this transaction (an advisory lock on the id, so two first turns on a new client-chosen id cannot
    race either), in one round trip.

    NotFound when the account is gone or the thread is someone else's (then no lock is taken: never hold
    someone else's thread); Conflict when another turn on the thread is still running."""
    user, conversation, locked = await Conversations(session, user_id).claim(_thread_id(thread_id))
    if user is None:
        raise NotFound("Your account no longer exists. Sign in again.")
    if not locked:
        raise Conflict(STILL_ANSWERING)
    return user, conversation


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
    touch: bool = True,
) -> Message:
    """Store a message of the thread (flushed). `touch=False`: leave the thread's `updated_at` to a later
    message of the same transaction (a turn stores the athlete's message, then the answer: one UPDATE)."""
    message = await Messages(session, conversation.user_id).append(
        conversation,
        role=role,
        content=content,
        events=events or [],
        model=model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
    )
    if conversation.title is None and role == "user" and content:
        conversation.title = title_from_message(content)
    if touch:
        await Conversations(session, conversation.user_id).touch(conversation)
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
    conversations = Conversations(session, user.id)
    await conversations.delete(await conversations.get(_thread_id(thread_id)))
    await session.flush()


async def list_threads(session: AsyncSession, user: User, *, limit: int = 50) -> list[Conversation]:
    return await Conversations(session, user.id).recent(limit=max(1, min(limit, 200)))


async def list_messages(
    session: AsyncSession, user: User, thread_id: uuid.UUID | str, *, limit: int = 200
) -> list[Message]:
    """A thread's stored messages, oldest first (NotFound for another user's thread)."""
    conversation = await get_thread(session, user, thread_id)
    return await Messages(session, user.id).of(conversation, limit=max(1, min(limit, 1000)))
