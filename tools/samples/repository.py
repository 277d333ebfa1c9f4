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
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.models import SAMPLE_COLUMNS, activity_sample_minutes, activity_samples


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


# --- writing and deleting samples (the import path: `tools.activities.store`) -------------------------


async def create_sample_partitions(conn: AsyncConnection, first: datetime, last: datetime) -> None:
    """Create the monthly sample partitions covering [first, last] in their own, committed transaction (on
    a connection of its own: creating a partition locks the parent table)."""
    async with conn.engine.connect() as own:
        await own.execute(text("SELECT ensure_activity_sample_partitions(:a, :b)"), {"a": first, "b": last})
        await own.commit()


async def copy_activity_samples(
    session: AsyncSession,
    user_id: int,
    activity_id: int,
    ts: Sequence[datetime],
    values: Sequence[Sequence[Any]],
) -> int:
    """COPY one of the user's activities' samples into `activity_samples`: `values` holds one column per
    `SAMPLE_VALUE_COLUMNS` entry, each as long as `ts`. The rows written."""
    n = len(ts)
    records = list(zip([activity_id] * n, [user_id] * n, ts, *values, strict=True))
    raw = await (await session.connection()).get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.copy_records_to_table("activity_samples", records=records, columns=list(SAMPLE_COLUMNS))
    return n


async def delete_samples(session: AsyncSession, user_id: int, activity_ids: Sequence[int]) -> None:
    s = activity_samples
    await session.execute(delete(s).where(s.c.user_id == user_id, s.c.activity_id.in_(list(activity_ids))))
