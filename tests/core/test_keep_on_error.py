"""The unit of work on the real database: an error rolls back what it wrote, unless the work marked its
writes as records of something already done elsewhere (`keep_on_error`): then they are committed and the
error still reaches the caller."""

from __future__ import annotations

import uuid

import pytest
from redis.asyncio import Redis
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import keep_on_error, session_scope
from core.errors import IntegrationError
from core.models import User
from tests.factories import create_user


async def _exists(email: str) -> bool:
    async with session_scope() as session:
        return await session.scalar(select(User.id).where(User.email == email)) is not None


@pytest.mark.parametrize("keep", [False, True])
async def test_an_error_rolls_back_unless_the_work_is_kept(
    engine: AsyncEngine, redis: Redis, keep: bool
) -> None:
    email = f"kept-{uuid.uuid4().hex[:8]}@example.com"
    try:
        with pytest.raises(IntegrationError, match="scheduling failed"):
            async with session_scope() as session:
                await create_user(session, email=email)
                if keep:
                    keep_on_error(session)
                raise IntegrationError("Garmin refused it: scheduling failed.")
        assert await _exists(email) is keep
    finally:
        async with session_scope() as session:
            await session.execute(delete(User).where(User.email == email))
