"""The repositories of accounts, notifications and calendar notes are made for one user: another user's
row is not found through them, and nothing they write or delete reaches it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.models import CalendarNote
from tests.factories import create_user
from tools.account.repository import ApiTokens
from tools.account.tokens import NewToken, create_token
from tools.notes.repository import CalendarNotes
from tools.notifications.preferences import Channel
from tools.notifications.repository import Notifications, TelegramLinks
from tools.notifications.store import create_notification, idempotency_key

NOW = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)


async def test_another_users_rows_are_not_found_or_touched(db: AsyncSession) -> None:
    owner, other = await create_user(db), await create_user(db)
    token = await create_token(db, owner.id, NewToken(name="script"), max_tokens=5, now=NOW)
    notification, _ = await create_notification(
        db,
        owner.id,
        trigger="weekly_review",
        period_key="2026-W49",
        title="Your week",
        body="Well run.",
        channels=[Channel.WEB, Channel.TELEGRAM],
        now=NOW,
    )
    TelegramLinks(db, owner.id).add("12345", {"username": "owner"})
    note = CalendarNotes(db, owner.id).add(
        CalendarNote(kind="illness", start_date=date(2026, 12, 1), end_date=date(2026, 12, 3), severity=2)
    )
    await db.flush()

    tokens = ApiTokens(db, other.id)
    assert await tokens.live(token.id, NOW) is None
    with pytest.raises(NotFound):
        await tokens.unrevoked(token.id)

    theirs = Notifications(db, other.id)
    key = idempotency_key(owner.id, "weekly_review", "2026-W49")
    assert await theirs.by_key(key) is None
    assert await theirs.stored_keys([key]) == set()
    assert await theirs.deliveries([notification.id]) == []
    assert await theirs.mark_read([notification.id], NOW) == 0
    assert await theirs.unread() == 0
    assert len(await Notifications(db, owner.id).deliveries([notification.id])) == 2

    assert await TelegramLinks(db, other.id).get() is None
    assert await TelegramLinks(db, other.id).remove() is False
    assert await TelegramLinks(db, owner.id).connected_chat() == "12345"

    notes = CalendarNotes(db, other.id)
    assert await notes.between(date(2026, 11, 1), date(2026, 12, 31)) == []
    with pytest.raises(NotFound):
        await notes.get(note.id)
    with pytest.raises(NotFound):
        await notes.delete(note)
    assert [
        n.id for n in await CalendarNotes(db, owner.id).between(date(2026, 12, 3), date(2026, 12, 9))
    ] == [note.id]
    await db.refresh(notification)
    assert notification.read_at is None
