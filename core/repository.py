"""Repositories: the statements on a capability's tables, owner-scoped by construction.

A repository is made for one user (`Races(session, user_id)`); every read it offers filters by that user in
the query itself and every row it adds is that user's, so "someone else's row" is not a case callers handle:
another user's row and a missing one are the same `NotFound` (HTTP 404), never `Forbidden`, so ids cannot be
probed. Repositories flush at most; the unit of work (the request, the job, the chat turn) commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from core.errors import NotFound


class Owned(Protocol):
    id: Any
    user_id: Any


T = TypeVar("T", bound=Owned)


async def get_owned(
    session: AsyncSession,
    model: type[T],
    row_id: Any,
    user_id: int,
    *,
    what: str,
    extra: Iterable[Any] = (),
) -> T:
    """The `model` row `row_id` if it belongs to `user_id` (and matches `extra` conditions), else NotFound."""
    id_col: InstrumentedAttribute[Any] = model.id
    owner_col: InstrumentedAttribute[Any] = model.user_id
    row = await session.scalar(select(model).where(id_col == row_id, owner_col == user_id, *extra))
    if row is None:
        raise NotFound(f"No {what} {row_id} here. Check the id, or list yours to find it.")
    return row


class OwnedRepository(Generic[T]):
    """One user's rows of `model`; subclasses add the capability's own statements, scoped the same way."""

    model: ClassVar[type[Any]]
    #: how the row is named to the user ("race", "gear") in a NotFound
    what: ClassVar[str]

    def __init__(self, session: AsyncSession, user_id: int) -> None:
        self.session = session
        self.user_id = user_id

    @property
    def owner(self) -> InstrumentedAttribute[Any]:
        column: InstrumentedAttribute[Any] = self.model.user_id
        return column

    def select(self) -> Select[T]:
        """`SELECT model … WHERE user_id = :user`, to refine."""
        return select(self.model).where(self.owner == self.user_id)

    async def get(self, row_id: Any) -> T:
        return await get_owned(self.session, self.model, row_id, self.user_id, what=self.what)

    async def all(self, *where: Any, order_by: Sequence[Any] = ()) -> list[T]:
        return list((await self.session.scalars(self.select().where(*where).order_by(*order_by))).all())

    def add(self, row: T) -> T:
        row.user_id = self.user_id
        self.session.add(row)
        return row

    async def delete(self, row: T) -> None:
        if row.user_id != self.user_id:  # a row from elsewhere: the same answer as a missing one
            raise NotFound(f"No {self.what} {row.id} here. Check the id, or list yours to find it.")
        await self.session.delete(row)
