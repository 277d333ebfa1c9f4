"""Every statement of the chat: conversations (threads), their stored messages, and the setup of LangGraph's
checkpoint tables.

`Conversations(session, user_id)` and `Messages(session, user_id)` are one user's rows (`core.repository`):
another user's thread answers like a missing one. Two reads look at a thread whatever its owner, because a
client may choose a new thread's id: `existing` and `claim` tell "nobody's yet" (it may be created) from
"someone else's" (NotFound). The checkpoints themselves are LangGraph's (`agent.checkpoint`); only their
tables' setup runs statements of ours.
"""

from __future__ import annotations

import uuid
from typing import Any

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg import AsyncConnection
from sqlalchemy import case, func, or_, select, update

from core.errors import NotFound
from core.models import Conversation, Message, User
from core.repository import OwnedRepository

__all__ = ["NO_SUCH_THREAD", "Conversations", "Messages", "setup_checkpoint_tables"]

NO_SUCH_THREAD = "There is no such conversation. Start a new one."


class Conversations(OwnedRepository[Conversation]):
    model = Conversation
    what = "conversation"

    async def get(self, row_id: Any) -> Conversation:
        """The user's thread, or NotFound (through the session's identity map: no statement for a thread the
        session already holds)."""
        conversation = await self.session.get(Conversation, row_id)
        if conversation is None or conversation.user_id != self.user_id:
            raise NotFound(NO_SUCH_THREAD)
        return conversation

    async def existing(self, thread_id: uuid.UUID) -> Conversation | None:
        """The user's thread `thread_id`; None when no thread has this id, NotFound when it is another's."""
        conversation = await self.session.get(Conversation, thread_id)
        if conversation is not None and conversation.user_id != self.user_id:
            raise NotFound(NO_SUCH_THREAD)
        return conversation

    async def create(self, thread_id: uuid.UUID, *, title: str | None, channel: str) -> Conversation:
        conversation = self.add(Conversation(id=thread_id, title=title, channel=channel[:16]))
        await self.session.flush()
        return conversation

    async def claim(self, thread_id: uuid.UUID) -> tuple[User | None, Conversation | None, bool]:
        """In one statement: the account (None when it is gone), its thread `thread_id` (None when no thread
        has this id) and the thread's advisory lock for this transaction (whether it was free).

        NotFound when the thread is someone else's; then no lock is taken (never hold someone else's)."""
        lock = func.pg_try_advisory_xact_lock(func.hashtextextended(_lock_key(thread_id), 0))
        mine = or_(Conversation.user_id.is_(None), Conversation.user_id == User.id)
        row = (
            await self.session.execute(
                select(User, Conversation, case((mine, lock), else_=None))
                .select_from(User)
                .outerjoin(Conversation, Conversation.id == thread_id)
                .where(User.id == self.user_id)
            )
        ).first()
        if row is None:
            return None, None, False
        user, conversation, locked = row
        if conversation is not None and conversation.user_id != user.id:
            raise NotFound(NO_SUCH_THREAD)
        return user, conversation, bool(locked)

    async def touch(self, conversation: Conversation) -> None:
        """Mark the thread active now (it sorts first in the list). The row in the session keeps its old
        `updated_at`: nothing in a turn reads it back."""
        await self.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation.id, Conversation.user_id == self.user_id)
            .values(updated_at=func.now())
            .execution_options(synchronize_session=False)
        )

    async def recent(self, *, limit: int) -> list[Conversation]:
        """The user's threads that are not archived, most recently active first."""
        return list(
            (
                await self.session.scalars(
                    self.select()
                    .where(Conversation.archived.is_(False))
                    .order_by(Conversation.updated_at.desc())
                    .limit(limit)
                )
            ).all()
        )


class Messages(OwnedRepository[Message]):
    model = Message
    what = "message"

    async def append(self, conversation: Conversation, **fields: Any) -> Message:
        """A new stored message of the user's `conversation` (flushed: it has its id)."""
        if conversation.user_id != self.user_id:
            raise NotFound(NO_SUCH_THREAD)
        message = self.add(Message(conversation_id=conversation.id, **fields))
        await self.session.flush()
        return message

    async def of(self, conversation: Conversation, *, limit: int) -> list[Message]:
        """The conversation's stored messages, oldest first."""
        return list(
            (
                await self.session.scalars(
                    self.select()
                    .where(Message.conversation_id == conversation.id)
                    .order_by(Message.created_at, Message.id)
                    .limit(limit)
                )
            ).all()
        )


def _lock_key(thread_id: uuid.UUID) -> str:
    return f"runcoach:thread:{thread_id}"


async def setup_checkpoint_tables(conn: AsyncConnection[Any], *, lock_key: int, lock_timeout_s: int) -> None:
    """Create or migrate LangGraph's checkpoint tables on `conn` (autocommit), one process at a time (an
    advisory lock on `lock_key`), giving up when a lock waits longer than `lock_timeout_s`."""
    await conn.execute(f"SET lock_timeout = '{int(lock_timeout_s)}s'")
    await conn.execute("SELECT pg_advisory_lock(%s)", (lock_key,))
    try:
        await AsyncPostgresSaver(conn).setup()
    finally:
        await conn.execute("SELECT pg_advisory_unlock(%s)", (lock_key,))
