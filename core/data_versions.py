"""Per-user data versions: the validator behind the API's ETags (`api/etag.py`) and the chat's cached
athlete context, kept in Redis — bumped by the unit of work itself.

Every flush notes the users whose rows it wrote (inserted, changed or deleted ORM objects, and bulk
`insert` / `update` / `delete` statements whose values or `WHERE user_id = …` name them); when the session's
transaction commits, those users' versions are replaced. No write path has to remember it. Bumping *after*
the commit matters: a request that read the new version and then the old rows would store a stale validator
for good; bumping after it costs at worst one extra 200. A savepoint that is released is not a commit (the
unit of work goes on); one that rolls back takes its notes with it only at the outer rollback (an extra
bump is harmless, a missed one is not).

Whose rows: a `users` row is its own; a row with `user_id` is that user's; a coaching link is its athlete's
and its coach's; a comment is also its author's; a child row without an owner column (workout steps, gear
of an activity, notification deliveries) is its parent's when the parent is in the session. Rows that do not
change what the dashboard, the lists or the athlete context show (chat messages and threads, jobs, API
tokens, knowledge chunks) do not bump.
`changed(session, user_id)` remains for a write no row reveals.

- `runcoach:data-version:<user_id>` → a random token (not a counter: if Redis loses the key, a fresh
  random value can never repeat a validator a client still holds). A missing key is created on read.
- The bump runs inside SQLAlchemy's `after_commit` hook through `sqlalchemy.util.await_` (the same greenlet
  bridge the async engine uses for its own I/O), so every unit of work — request, job, CLI, MCP — is
  covered. A session used outside an async context logs that it could not bump.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import Table, event, inspect
from sqlalchemy.exc import MissingGreenlet
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter
from sqlalchemy.sql.schema import Column
from sqlalchemy.util import await_

from core.redis import get_redis

log = logging.getLogger(__name__)

_PENDING = "runcoach_changed_users"
#: tables whose rows do not change what a user's dashboard, lists or chat context show
UNVERSIONED = frozenset({"messages", "conversations", "jobs", "api_tokens", "knowledge_chunks"})
#: the columns that name a row's user(s)
OWNER_COLUMNS = ("user_id", "athlete_id", "coach_id", "author_id")
#: a child table without an owner column → (its parent's foreign key, the parent's table)
PARENTS = {
    "workout_steps": ("workout_id", "workouts"),
    "activity_gear": ("activity_id", "activities"),
    "notification_deliveries": ("notification_id", "notifications"),
}


def _key(user_id: int) -> str:
    return f"runcoach:data-version:{user_id}"


async def current(redis: Redis, user_id: int) -> str:
    """The user's data version (created on first read)."""
    value = await redis.get(_key(user_id))
    if value is None:
        await redis.set(_key(user_id), secrets.token_hex(8), nx=True)
        value = await redis.get(_key(user_id))
    return value.decode() if isinstance(value, bytes) else str(value)


async def bump(redis: Redis, user_id: int) -> None:
    await redis.set(_key(user_id), secrets.token_hex(8))


def changed(session: AsyncSession | Session, user_id: int) -> None:
    """Note a change to what `user_id` sees that no written row reveals; bumped once the session commits."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    _note(sync, [user_id])


def _note(session: Session, user_ids: Iterable[Any]) -> None:
    found = {int(u) for u in user_ids if isinstance(u, int) and not isinstance(u, bool)}
    if found:
        session.info.setdefault(_PENDING, set()).update(found)


def _loaded(obj: object, name: str) -> Any:
    """A column's value if it is loaded (never a lazy load inside a flush)."""
    return inspect(obj).dict.get(name)


def _owners(session: Session, obj: object) -> list[Any]:
    table = inspect(obj).mapper.local_table
    if not isinstance(table, Table) or table.name in UNVERSIONED:
        return []
    if table.name == "users":
        return [_loaded(obj, "id")]
    owners = [_loaded(obj, c) for c in OWNER_COLUMNS if c in table.c]
    if table.name in PARENTS:
        fk, parent_table = PARENTS[table.name]
        parent_id = _loaded(obj, fk)
        for parent in session.identity_map.values():
            mapped = inspect(parent).mapper.local_table
            if (
                isinstance(mapped, Table)
                and mapped.name == parent_table
                and _loaded(parent, "id") == parent_id
            ):
                owners.append(_loaded(parent, "user_id"))
    return owners


@event.listens_for(Session, "before_flush")
def _note_flushed_rows(session: Session, flush_context: UOWTransaction, instances: object) -> None:
    for obj in (*session.new, *session.deleted):
        _note(session, _owners(session, obj))
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            state = inspect(obj)
            owners = _owners(session, obj)
            # an ownership change (a row handed to another user) bumps the old owner too
            for name in OWNER_COLUMNS:
                if name in state.attrs:
                    owners.extend(state.attrs[name].history.deleted or ())
            _note(session, owners)


def _where_owners(statement: Any, table: Table) -> list[Any]:
    """The values of `owner_column = :value` / `IN (...)` comparisons in a statement's WHERE clause."""
    found: list[Any] = []
    where = getattr(statement, "whereclause", None)
    if where is None:
        return found
    for node in visitors.iterate(where):
        if not isinstance(node, BinaryExpression):
            continue
        column, value = node.left, node.right
        if not (isinstance(column, Column) and column.name in OWNER_COLUMNS):
            continue
        if column.table.name != table.name:
            continue
        if isinstance(value, BindParameter):
            bound = value.effective_value
            if node.operator is operators.eq:
                found.append(bound)
            elif node.operator is operators.in_op and isinstance(bound, (list, tuple, set)):
                found.extend(bound)
    return found


def _value_owners(state: ORMExecuteState, table: Table) -> list[Any]:
    """Owner columns among an insert's (or update's) values and parameters."""
    found: list[Any] = []
    rows: list[Any] = []
    params = state.parameters
    rows.extend(params if isinstance(params, list) else [params] if params else [])
    multi = getattr(state.statement, "_multi_values", ()) or ()
    for group in multi:
        rows.extend(group)
    values = getattr(state.statement, "_values", None)
    if values:
        rows.append({getattr(k, "key", k): getattr(v, "effective_value", v) for k, v in values.items()})
    for row in rows:
        if isinstance(row, dict):
            for key, value in row.items():
                name = getattr(key, "key", key)
                if name in OWNER_COLUMNS:
                    found.append(getattr(value, "effective_value", value))
    return found


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_statements(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if not isinstance(table, Table) or table.name in UNVERSIONED:
        return
    owners = _value_owners(state, table) + _where_owners(state.statement, table)
    if table.name == "users":
        owners += _where_id(state.statement, table)
    if not owners and any(c in table.c for c in OWNER_COLUMNS):
        log.debug(
            "bulk %s on %s names no user: no data version bumped", type(state.statement).__name__, table
        )
    _note(state.session, owners)


def _where_id(statement: Any, table: Table) -> list[Any]:
    where = getattr(statement, "whereclause", None)
    if where is None:
        return []
    return [
        node.right.effective_value
        for node in visitors.iterate(where)
        if isinstance(node, BinaryExpression)
        and isinstance(node.left, Column)
        and node.left.table.name == table.name
        and node.left.name == "id"
        and node.operator is operators.eq
        and isinstance(node.right, BindParameter)
    ]


@event.listens_for(Session, "after_commit")
def _bump_committed(session: Session) -> None:
    if session.get_nested_transaction() is not None:  # a savepoint was released, not the unit of work
        return
    users: set[int] = session.info.pop(_PENDING, set())
    for user_id in sorted(users):
        try:
            await_(bump(get_redis(), user_id))
        except MissingGreenlet:
            log.warning("data version of user %s not bumped: session committed outside asyncio", user_id)
        except Exception:
            # the rows are committed; a stale validator lasts until the user's next change
            log.exception("could not bump the data version of user %s", user_id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    """The unit of work rolled back (a real rollback, not a savepoint's): its rows were never written."""
    session.info.pop(_PENDING, None)
