"""Statements on `activities` and their laps (owner-scoped through `Activities`), on the originals they
share, and on the large objects that stage uploaded files.

An original file is stored once by content hash and may back activities of several users, so the
statements about an original (`lock_original_*`, `original_in_use`) span users on purpose; they return
nothing about the other activities. So does `activities_with_originals` without a user (`runcoach
reprocess` over every account, run by the operator).

Uploaded files wait for their import job as PostgreSQL large objects (written in the request's
transaction, with the job row that names them; see `tools.activities.uploads`). A large object has no
owner column: the job row that names its oid is the user's, and only that job reads or drops it.

`hidden` (a tuple of sources) leaves out what a model turn may not see (`tools.activities.visibility`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, exists, func, or_, select, text, true
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity, Lap
from core.repository import OwnedRepository


def _shown(hidden: Sequence[str]) -> ColumnElement[bool]:
    return Activity.source.not_in(hidden) if hidden else true()


def _escape_like(pattern: str) -> str:
    return pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Activities(OwnedRepository[Activity]):
    model = Activity
    what = "activity"

    async def legs_of(self, parent_id: int) -> list[Activity]:
        """A multisport activity's legs, in order."""
        return await self.all(
            Activity.parent_id == parent_id, order_by=[Activity.leg_index, Activity.start_time]
        )

    async def with_legs(self, activity_id: int) -> list[Activity]:
        """The activity and its multisport legs, in no particular order."""
        return await self.all((Activity.id == activity_id) | (Activity.parent_id == activity_id))

    async def by_id(
        self, ids: set[int] | Sequence[int], *, hidden: Sequence[str] = ()
    ) -> dict[int, Activity]:
        return {a.id: a for a in await self.all(Activity.id.in_(ids), _shown(hidden))}

    async def top_level(self, activity_id: int) -> Activity | None:
        """The activity if it is the user's and not a multisport leg."""
        return await self.session.scalar(
            self.select().where(Activity.id == activity_id, Activity.parent_id.is_(None))
        )

    async def latest(
        self,
        limit: int,
        *,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        sport: str | None = None,
        hidden: Sequence[str] = (),
    ) -> list[Activity]:
        """The newest top-level activities (legs folded into their parent) starting in [start, end)."""
        stmt = (
            self.select()
            .where(Activity.parent_id.is_(None), _shown(hidden))
            .order_by(Activity.start_time.desc())
            .limit(limit)
        )
        if start is not None:
            stmt = stmt.where(Activity.start_time >= start)
        if end is not None:
            stmt = stmt.where(Activity.start_time < end)
        if sport:
            stmt = stmt.where(Activity.sport == sport)
        return list((await self.session.scalars(stmt)).all())

    async def page(
        self,
        *,
        limit: int,
        offset: int,
        sport: str | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        text_in: str | None = None,
    ) -> tuple[int, list[Activity]]:
        """(how many match, one page of them newest first): top-level activities of `sport`, starting in
        [start, end), whose name, sport, sub-sport or device holds `text_in` (case-insensitive; `%` and
        `_` literal)."""
        where: list[ColumnElement[bool]] = [Activity.user_id == self.user_id, Activity.parent_id.is_(None)]
        if sport:
            where.append(Activity.sport == sport)
        if start is not None:
            where.append(Activity.start_time >= start)
        if end is not None:
            where.append(Activity.start_time < end)
        if text_in:
            pattern = f"%{_escape_like(text_in)}%"
            columns = (
                Activity.name,
                Activity.sport,
                Activity.sub_sport,
                Activity.device_manufacturer,
                Activity.device_product,
            )
            where.append(or_(*(column.ilike(pattern, escape="\\") for column in columns)))
        total = int(
            (
                await self.session.execute(select(func.count()).select_from(Activity).where(*where))
            ).scalar_one()
        )
        rows = await self.session.scalars(
            select(Activity)
            .where(*where)
            .order_by(Activity.start_time.desc(), Activity.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return total, list(rows.all())

    async def history(self, start: dt.datetime, end: dt.datetime) -> list[Row[*tuple[Any, ...]]]:
        """The figures the feed's comment compares with (id, sport, start time, distance, moving and
        elapsed seconds, training load) of the top-level activities starting in [start, end), oldest
        first."""
        rows = await self.session.execute(
            select(
                Activity.id,
                Activity.sport,
                Activity.start_time,
                Activity.distance_m,
                Activity.moving_s,
                Activity.elapsed_s,
                Activity.training_load,
            )
            .where(
                Activity.user_id == self.user_id,
                Activity.parent_id.is_(None),
                Activity.start_time >= start,
                Activity.start_time < end,
            )
            .order_by(Activity.start_time, Activity.id)
        )
        return list(rows.all())

    async def by_external_id(self, source: str, external_id: str) -> Activity | None:
        return await self.session.scalar(
            self.select().where(Activity.source == source, Activity.external_id == external_id)
        )

    async def laps(self, activity_id: int) -> list[Lap]:
        """The activity's laps, in order."""
        rows = await self.session.scalars(
            select(Lap)
            .where(Lap.activity_id == activity_id, Lap.user_id == self.user_id)
            .order_by(Lap.lap_index)
        )
        return list(rows.all())

    async def delete_laps(self, activity_id: int) -> None:
        await self.session.execute(
            delete(Lap).where(Lap.activity_id == activity_id, Lap.user_id == self.user_id)
        )


async def activities_with_originals(session: AsyncSession, user_id: int | None) -> list[tuple[int, int]]:
    """(activity id, user id) of every top-level activity that has an original, one user's or (None)
    everyone's, oldest first."""
    statement = (
        select(Activity.id, Activity.user_id)
        .where(Activity.parent_id.is_(None), Activity.file_sha256.is_not(None))
        .order_by(Activity.start_time, Activity.id)
    )
    if user_id is not None:
        statement = statement.where(Activity.user_id == user_id)
    return [(row[0], row[1]) for row in (await session.execute(statement)).all()]


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


# --- staged uploads (large objects) -------------------------------------------------------------------


async def create_staged(session: AsyncSession, data: bytes | None = None) -> int:
    """A new large object (holding `data`, or empty), in the session's transaction; its oid."""
    if data is None:
        return int((await session.execute(text("SELECT lo_create(0)"))).scalar_one())
    oid = (await session.execute(text("SELECT lo_from_bytea(0, :data)"), {"data": data})).scalar_one()
    return int(oid)


async def write_staged(session: AsyncSession, oid: int, at: int, data: bytes) -> None:
    await session.execute(text("SELECT lo_put(:oid, :at, :data)"), {"oid": oid, "at": at, "data": data})


async def read_staged_chunk(session: AsyncSession, oid: int, at: int, size: int) -> bytes:
    """Up to `size` bytes of the large object from offset `at` (empty past its end)."""
    chunk = (
        await session.execute(text("SELECT lo_get(:oid, :at, :n)"), {"oid": oid, "at": at, "n": size})
    ).scalar_one()
    return bytes(chunk)


async def read_staged(session: AsyncSession, oid: int) -> bytes | None:
    """The whole large object, None when it is gone."""
    found = (
        await session.execute(text("SELECT 1 FROM pg_largeobject_metadata WHERE oid = :oid"), {"oid": oid})
    ).scalar_one_or_none()
    if found is None:
        return None
    return bytes((await session.execute(text("SELECT lo_get(:oid)"), {"oid": oid})).scalar_one())


async def drop_staged(session: AsyncSession, oid: int) -> None:
    """Drop the large object (nothing if it is gone already)."""
    await session.execute(
        text("SELECT lo_unlink(oid) FROM pg_largeobject_metadata WHERE oid = :oid"), {"oid": oid}
    )


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
