"""Loading a row by id *for a user*: the one pattern every id-taking route uses.

Another user's row and a row that does not exist look the same from outside: `NotFound` (HTTP 404), never
`Forbidden`, so ids cannot be probed. Filter by owner in the query itself, never by checking afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
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
