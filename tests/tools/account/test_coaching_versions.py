"""Every step of a coaching link moves the data version (the ETags) of both people it concerns, and the
only hand-written note left is the one no row can reveal: an invitation addressed to an e-mail address."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis
from sqlalchemy import delete

from core import data_versions as versions
from core.database import session_scope
from core.models import User
from tests.factories import create_user
from tools.account import coaching
from tools.account.coaching import InviteCoach

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


@pytest.fixture
async def pair(engine: object, redis: Redis) -> AsyncIterator[tuple[int, int]]:
    """An athlete and a coach whose address is verified."""
    async with session_scope() as session:
        athlete = await create_user(session)
        coach = await create_user(session, email_verified_at=NOW)
        ids = (athlete.id, coach.id)
    yield ids
    async with session_scope() as session:
        await session.execute(delete(User).where(User.id.in_(ids)))


async def _versions(redis: Redis, ids: tuple[int, int]) -> tuple[str, str]:
    return await versions.current(redis, ids[0]), await versions.current(redis, ids[1])


async def _both_moved(redis: Redis, ids: tuple[int, int], before: tuple[str, str]) -> tuple[str, str]:
    after = await _versions(redis, ids)
    assert after[0] != before[0], "the athlete's version did not move"
    assert after[1] != before[1], "the coach's version did not move"
    return after


async def test_invite_accept_and_leave_move_both_versions(pair: tuple[int, int], redis: Redis) -> None:
    athlete_id, coach_id = pair
    before = await _versions(redis, pair)
    async with session_scope() as session:
        athlete, coach = await session.get_one(User, athlete_id), await session.get_one(User, coach_id)
        link = await coaching.invite_coach(session, athlete, InviteCoach(email=coach.email.upper()))
    # the invitee is told by the hand-written note: the pending row names only an address
    before = await _both_moved(redis, pair, before)
    async with session_scope() as session:
        coach = await session.get_one(User, coach_id)
        await coaching.accept_invitation(session, coach, link.id, NOW)
    before = await _both_moved(redis, pair, before)
    async with session_scope() as session:
        coach = await session.get_one(User, coach_id)
        await coaching.leave(session, coach, link.id, NOW)
    await _both_moved(redis, pair, before)
    async with session_scope() as session:
        athlete = await session.get_one(User, athlete_id)
        overview = await coaching.overview(session, athlete)
        assert overview.coaches == []


async def test_declining_an_invitation_moves_both_versions(pair: tuple[int, int], redis: Redis) -> None:
    athlete_id, coach_id = pair
    async with session_scope() as session:
        athlete, coach = await session.get_one(User, athlete_id), await session.get_one(User, coach_id)
        link = await coaching.invite_coach(session, athlete, InviteCoach(email=coach.email))
    before = await _versions(redis, pair)
    async with session_scope() as session:
        coach = await session.get_one(User, coach_id)
        await coaching.leave(session, coach, link.id, NOW)
    await _both_moved(redis, pair, before)
    async with session_scope() as session:
        coach = await session.get_one(User, coach_id)
        assert (await coaching.overview(session, coach)).invitations == []


async def test_revoking_moves_both_versions(pair: tuple[int, int], redis: Redis) -> None:
    athlete_id, coach_id = pair
    async with session_scope() as session:
        athlete, coach = await session.get_one(User, athlete_id), await session.get_one(User, coach_id)
        link = await coaching.invite_coach(session, athlete, InviteCoach(email=coach.email))
        await coaching.accept_invitation(session, coach, link.id, NOW)
    before = await _versions(redis, pair)
    async with session_scope() as session:
        athlete = await session.get_one(User, athlete_id)
        await coaching.revoke_coach(session, athlete, link.id, NOW)
    await _both_moved(redis, pair, before)
