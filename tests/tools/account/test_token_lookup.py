"""A presented API token finds its token row and its account in one statement (a bearer request's
authentication: one round trip), and only a working token of an existing account finds anything."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import create_user
from tools.account.tokens import NewToken, create_token, find_active_token, find_active_token_user

NOW = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)


@contextmanager
def statements(session: AsyncSession) -> Iterator[list[str]]:
    sent: list[str] = []
    engine = session.bind.engine.sync_engine  # type: ignore[union-attr]

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_a_token_finds_its_row_and_account_in_one_statement(db: AsyncSession) -> None:
    owner, other = await create_user(db), await create_user(db)
    created = await create_token(
        db, owner.id, NewToken(name="script", expires_in_days=30), max_tokens=5, now=NOW
    )
    await create_token(db, other.id, NewToken(name="theirs"), max_tokens=5, now=NOW)
    db.expunge_all()  # nothing from the identity map: the statement itself must bring the account
    with statements(db) as sent:
        found = await find_active_token_user(db, created.token, now=NOW)
    assert found is not None and len(sent) == 1
    row, user = found
    assert user.id == owner.id and row.user_id == owner.id and row.name == "script"
    assert row.id == (await find_active_token(db, created.token, now=NOW)).id  # type: ignore[union-attr]


async def test_only_a_working_token_finds_anything(db: AsyncSession) -> None:
    owner = await create_user(db)
    created = await create_token(
        db, owner.id, NewToken(name="short", expires_in_days=1), max_tokens=5, now=NOW
    )
    assert await find_active_token_user(db, created.token + "x", now=NOW) is None
    assert await find_active_token_user(db, "not-a-token", now=NOW) is None
    assert await find_active_token_user(db, created.token, now=NOW + timedelta(days=2)) is None  # expired
