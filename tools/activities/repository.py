"""Statements on `activities` (owner-scoped through `Activities`) and on the originals they share.

An original file is stored once by content hash and may back activities of several users, so the
statements about an original (`lock_original_*`, `original_in_use`) span users on purpose; they return
nothing about the other activities.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity
from core.repository import OwnedRepository


class Activities(OwnedRepository[Activity]):
    model = Activity
    what = "activity"

    async def legs_of(self, parent_id: int) -> list[Activity]:
        """A multisport activity's legs, in order."""
        return await self.all(
            Activity.parent_id == parent_id, order_by=[Activity.leg_index, Activity.start_time]
        )

    async def by_id(self, ids: set[int]) -> dict[int, Activity]:
        return {a.id: a for a in await self.all(Activity.id.in_(ids))}


def _lock_key(sha256: str) -> object:
    return func.hashtextextended(f"runcoach:original:{sha256}", 0)


async def lock_original_shared(session: AsyncSession, sha256: str) -> None:
    """Until the transaction ends, the original with this hash cannot be deleted (others may share it)."""
    await session.execute(select(func.pg_advisory_xact_lock_shared(_lock_key(sha256))))


async def lock_original(session: AsyncSession, sha256: str) -> None:
    """Until the transaction ends, nobody else may store or delete the original with this hash."""
    await session.execute(select(func.pg_advisory_xact_lock(_lock_key(sha256))))


async def original_in_use(session: AsyncSession, sha256: str) -> bool:
    """Whether any activity, of any user, still refers to the original with this hash."""
    return bool(await session.scalar(select(exists().where(Activity.file_sha256 == sha256))))


# --- the import path's statements (importer, store, load backfill) ------------------------------------


async def top_activity_by_file(session: AsyncSession, user_id: int, sha256: str) -> Activity | None:
    """The user's activity (not a leg) imported from the file with this content hash, if any."""
    statement = (
        Activities(session, user_id)
        .select()
        .where(Activity.file_sha256 == sha256, Activity.parent_id.is_(None))
    )
    return (await session.scalars(statement)).one_or_none()


async def top_activities_starting(
    session: AsyncSession, user_id: int, first: datetime, last: datetime
) -> list[Activity]:
    """The user's activities (not legs) starting in [first, last], in start order."""
    return await Activities(session, user_id).all(
        Activity.parent_id.is_(None), Activity.start_time.between(first, last), order_by=[Activity.start_time]
    )


async def leg_ids(session: AsyncSession, user_id: int, parent_id: int) -> list[int]:
    """The ids of the legs of one of the user's multisport activities."""
    statement = select(Activity.id).where(Activity.user_id == user_id, Activity.parent_id == parent_id)
    return list((await session.scalars(statement)).all())


async def without_load(session: AsyncSession, user_id: int, since: datetime) -> list[Activity]:
    """The user's activities (not legs) since `since` that have no training load yet, newest first."""
    return await Activities(session, user_id).all(
        Activity.parent_id.is_(None),
        Activity.start_time >= since,
        Activity.load_method.is_(None),
        order_by=[Activity.start_time.desc()],
    )
