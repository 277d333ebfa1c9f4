"""`create_*` factories: real rows through the same code paths the product uses."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity, DailyHealth, User
from tools.account.users import create_user as create_account
from tools.activities.store import NewActivity, store_activity


async def create_user(
    session: AsyncSession,
    *,
    email: str | None = None,
    password: str = "correct horse battery",
    timezone: str = "UTC",
    **fields: Any,
) -> User:
    user = await create_account(
        session, email or f"runner-{uuid.uuid4().hex[:8]}@example.com", password, timezone=timezone
    )
    for key, value in fields.items():
        setattr(user, key, value)
    await session.flush()
    return user


def make_samples(start: datetime, seconds: int, *, speed: float = 3.0, hr: int = 140) -> dict[str, list[Any]]:
    return {
        "ts": [start + timedelta(seconds=i) for i in range(seconds)],
        "heart_rate": [hr + (i % 7) for i in range(seconds)],
        "speed_mps": [speed] * seconds,
        "distance_m": [speed * i for i in range(seconds)],
    }


async def create_activity(
    session: AsyncSession,
    user: User,
    *,
    start: datetime | None = None,
    seconds: int = 600,
    sport: str = "running",
    speed: float = 3.0,
    **fields: Any,
) -> Activity:
    start = start or datetime(2026, 10, 1, 7, 0, tzinfo=UTC) + timedelta(minutes=uuid.uuid4().int % 100_000)
    new = NewActivity(
        fields={
            "source": "test",
            "sport": sport,
            "start_time": start,
            "elapsed_s": float(seconds),
            "distance_m": speed * seconds,
            **fields,
        },
        samples=make_samples(start, seconds, speed=speed),
    )
    return await store_activity(session, user.id, new)


def good_nights(user_id: int, before: date, nights: int = 40) -> list[DailyHealth]:
    """`nights` steady nights ending the day before `before` (HRV ~62 ms, resting HR ~49, 8 h of sleep
    scored 80): a baseline for readiness to compare a night with."""
    return [
        DailyHealth(
            user_id=user_id,
            day=before - timedelta(days=nights - k),
            hrv_ms=60.0 + k % 5,
            resting_hr=48 + k % 3,
            sleep_score=80,
            sleep_s=8 * 3600,
        )
        for k in range(nights)
    ]
