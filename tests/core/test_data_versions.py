"""The unit of work bumps the data version of the users whose rows it wrote — on commit, and only then —
without any write path asking for it (`core.data_versions`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis
from sqlalchemy import delete, insert, update

from core import data_versions as versions
from core.database import session_scope
from core.models import Conversation, DailyHealth, Message, Race, User
from tests.factories import create_user

Versions = Callable[[], Awaitable[tuple[str, str]]]


@pytest.fixture
async def two(engine: object, redis: Redis) -> AsyncIterator[tuple[int, int]]:
    async with session_scope() as session:
        a, b = await create_user(session), await create_user(session)
        ids = (a.id, b.id)
    yield ids
    async with session_scope() as session:
        await session.execute(delete(User).where(User.id.in_(ids)))


@pytest.fixture
def now(two: tuple[int, int], redis: Redis) -> Versions:
    async def read() -> tuple[str, str]:
        return await versions.current(redis, two[0]), await versions.current(redis, two[1])

    return read


def race(user_id: int) -> Race:
    return Race(user_id=user_id, name="Test 10k", date=dt.date(2027, 5, 1), distance_m=10_000)


async def test_a_row_written_for_a_user_bumps_only_that_user_and_only_at_commit(
    two: tuple[int, int], now: Versions
) -> None:
    a_before, b_before = await now()
    async with session_scope() as session:
        async with session.begin_nested():  # a tool's savepoint: released, not committed
            session.add(race(two[0]))
        await session.flush()
        assert await now() == (a_before, b_before)
    a_after, b_after = await now()
    assert a_after != a_before
    assert b_after == b_before


async def test_a_rolled_back_unit_of_work_bumps_nobody(two: tuple[int, int], now: Versions) -> None:
    before = await now()
    with pytest.raises(RuntimeError):
        async with session_scope() as session:
            session.add(race(two[0]))
            await session.flush()
            raise RuntimeError("the write failed")
    assert await now() == before


async def test_bulk_statements_bump_the_users_they_name(two: tuple[int, int], now: Versions) -> None:
    async with session_scope() as session:
        session.add(race(two[0]))
    before = await now()
    async with session_scope() as session:
        await session.execute(update(Race).where(Race.user_id == two[0]).values(name="Renamed"))
    after_update = await now()
    assert after_update[0] != before[0] and after_update[1] == before[1]

    async with session_scope() as session:
        await session.execute(
            insert(DailyHealth).values([{"user_id": two[1], "day": dt.date(2026, 11, d)} for d in (1, 2)])
        )
    after_insert = await now()
    assert after_insert[1] != after_update[1] and after_insert[0] == after_update[0]

    async with session_scope() as session:
        await session.execute(delete(Race).where(Race.user_id.in_([two[0], two[1]])))
    after_delete = await now()
    assert after_delete[0] != after_insert[0] and after_delete[1] != after_insert[1]


async def test_a_row_handed_to_another_user_bumps_both(two: tuple[int, int], now: Versions) -> None:
    async with session_scope() as session:
        row = race(two[0])
        session.add(row)
    before = await now()
    async with session_scope() as session:
        moved = await session.get_one(Race, row.id)
        moved.user_id = two[1]
    after = await now()
    assert after[0] != before[0] and after[1] != before[1]


async def test_chat_messages_do_not_change_what_the_dashboard_shows(
    two: tuple[int, int], now: Versions
) -> None:
    before = await now()
    async with session_scope() as session:
        thread = Conversation(id=uuid.uuid4(), user_id=two[0], title="t")
        session.add(thread)
        await session.flush()
        session.add(Message(conversation_id=thread.id, user_id=two[0], role="user", content="hi"))
    assert await now() == before


async def test_an_explicit_note_still_works_for_what_no_row_says(two: tuple[int, int], now: Versions) -> None:
    before = await now()
    async with session_scope() as session:
        versions.changed(session, two[1])
    after = await now()
    assert after[1] != before[1] and after[0] == before[0]
