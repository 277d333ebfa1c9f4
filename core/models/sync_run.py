from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class SyncRun(Base):
    """Audit of one sync with a provider: counts, progress and errors."""

    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), server_default="running")
    started_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[datetime | None]
    progress_done: Mapped[int] = mapped_column(Integer, server_default="0")
    progress_total: Mapped[int | None] = mapped_column(Integer)
    activities_imported: Mapped[int] = mapped_column(Integer, server_default="0")
    activities_skipped: Mapped[int] = mapped_column(Integer, server_default="0")
    activities_failed: Mapped[int] = mapped_column(Integer, server_default="0")
    health_days: Mapped[int] = mapped_column(Integer, server_default="0")
    errors: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"))
