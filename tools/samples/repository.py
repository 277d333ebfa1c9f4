"""Per-minute rollups of an activity's samples (`activity_sample_minutes`): every statement on them, kept
in step with the samples.

`write_minute_rollups` runs right after the samples' COPY, in the same transaction (the SQL function
`write_activity_sample_minutes` of the migration rolls the rows just written up, so the rollups hold
exactly what the raw rows give); `delete_minute_rollups` goes with every delete of samples.
`rebuild_minute_rollups` rolls up samples written some other way (a bench's bulk COPY).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import activity_sample_minutes


async def write_minute_rollups(
    session: AsyncSession, user_id: int, activity_id: int, first: datetime, last: datetime
) -> int:
    """Roll up the activity's samples in [first, last] (all of them, just written); the minutes written."""
    written = await session.execute(
        text("SELECT write_activity_sample_minutes(:user, :activity, :first, :last)"),
        {"user": user_id, "activity": activity_id, "first": first, "last": last},
    )
    return int(written.scalar_one())


async def delete_minute_rollups(session: AsyncSession, user_id: int, activity_ids: Sequence[int]) -> None:
    m = activity_sample_minutes
    await session.execute(delete(m).where(m.c.user_id == user_id, m.c.activity_id.in_(list(activity_ids))))


async def rebuild_minute_rollups(session: AsyncSession, user_id: int) -> int:
    """Roll up every sample of the user again (after samples were written without `copy_samples`)."""
    written = await session.execute(text("SELECT rebuild_activity_sample_minutes(:user)"), {"user": user_id})
    return int(written.scalar_one())
