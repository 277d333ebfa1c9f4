from __future__ import annotations

import uuid

from sqlalchemy import Boolean, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, Timestamps


class Conversation(Timestamps, Base):
    """A chat thread. Its id is the LangGraph thread id (checkpoints live in the checkpointer's tables)."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_user_updated", "user_id", text("updated_at DESC")),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16), server_default="web")
    archived: Mapped[bool] = mapped_column(Boolean, server_default="false")
