"""Every statement on a user's connections (`integrations`), their sync audit (`sync_runs`), the sync jobs
they run, and the look-up a provider import makes before storing an activity.

Scoped by the user: `Integrations(session, user_id)`, `SyncRuns(session, user_id)`, and the functions that
take `user_id`. Two look-ups are across users by nature and say so: `due_connections` (the scheduler asks
which accounts, of anyone, are due a sync) and `connections_of_account` (a provider's push event names its
own account id, not ours). Nothing here commits; the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity, Integration, Job, SyncRun
from core.repository import OwnedRepository

#: a job in one of these states is still to finish
ACTIVE_JOB_STATES = ("queued", "running", "retrying")


class Integrations(OwnedRepository[Integration]):
    """One user's connections, one row per provider."""

    model = Integration
    what = "connection"

    async def of(self, provider: str, *, for_update: bool = False) -> Integration | None:
        """The user's connection with `provider` (locked for the transaction with `for_update`)."""
        stmt = self.select().where(Integration.provider == provider)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def remove(self, provider: str) -> bool:
        """Delete the user's connection with `provider`; False when there was none."""
        result = await self.session.execute(
            delete(Integration).where(self.owner == self.user_id, Integration.provider == provider)
        )
        return bool(getattr(result, "rowcount", 0))


class SyncRuns(OwnedRepository[SyncRun]):
    """One user's sync audit rows."""

    model = SyncRun
    what = "sync run"

    async def latest(self, provider: str) -> SyncRun | None:
        """The user's most recent run with `provider`, finished or not."""
        return (
            await self.session.execute(
                self.select()
                .where(SyncRun.provider == provider)
                .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()

    async def start(self, provider: str) -> SyncRun:
        """A new `running` run (flushed: it has its id)."""
        run = self.add(SyncRun(provider=provider, status="running", errors=[]))
        await self.session.flush()
        return run

    async def record(self, run_id: int, **values: Any) -> None:
        """Set columns of the user's run `run_id` (counts, progress, status)."""
        await self.session.execute(
            update(SyncRun).where(SyncRun.id == run_id, self.owner == self.user_id).values(**values)
        )


async def active_job(session: AsyncSession, user_id: int, kind: str) -> Job | None:
    """The user's queued, running or retrying job of this kind, if any (newest first)."""
    return (
        await session.execute(
            select(Job)
            .where(Job.user_id == user_id, Job.kind == kind, Job.state.in_(ACTIVE_JOB_STATES))
            .order_by(Job.created_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def known_activity(
    session: AsyncSession,
    user_id: int,
    *,
    source: str,
    external_id: str,
    start: datetime | None,
    tolerance: timedelta,
) -> Activity | None:
    """The user's activity already imported from `source` as `external_id`, or else (when `start` is known)
    a top-level activity from any source starting within `tolerance` of it (the importer's
    `SAME_START_TOLERANCE`): the same session recorded twice (a FIT file and a Garmin or Strava copy)."""
    same = [(Activity.source == source) & (Activity.external_id == external_id)]
    if start is not None:
        same.append(
            Activity.parent_id.is_(None) & Activity.start_time.between(start - tolerance, start + tolerance)
        )
    return (
        await session.execute(select(Activity).where(Activity.user_id == user_id, or_(*same)).limit(1))
    ).scalar_one_or_none()


async def due_connections(
    session: AsyncSession,
    providers: Sequence[str],
    status: str,
    now: datetime,
    interval: timedelta,
    *,
    limit: int,
) -> list[tuple[int, str]]:
    """(user id, provider) of every user's connections in `status` whose last sync is older than
    `interval` (or that never synced), the longest waiting first.

    Not scoped by user: the sync scheduler asks for all users at once; each sync it starts then runs
    in that user's own unit of work."""
    rows = await session.execute(
        select(Integration.user_id, Integration.provider)
        .where(
            Integration.provider.in_(providers),
            Integration.status == status,
            or_(Integration.last_sync_at.is_(None), Integration.last_sync_at < now - interval),
        )
        .order_by(Integration.last_sync_at.asc().nulls_first(), Integration.id)
        .limit(limit)
    )
    return [(user_id, provider) for user_id, provider in rows.all()]


async def connections_of_account(session: AsyncSession, provider: str, external_id: str) -> list[Integration]:
    """The connections (of any user) to the provider's account `external_id` (Strava's athlete id from the
    OAuth exchange, Garmin's profile id from the sign-in, stored when the athlete connects), by user id.
    Several of our accounts may have connected the same provider account; each gets its own action.

    Not scoped by user: a push event from the provider names the provider's account, and finding which of
    our users connected it is the point. Each connection found is then handled as its own user's."""
    rows = await session.execute(
        select(Integration)
        .where(Integration.provider == provider, Integration.external_id == external_id)
        .order_by(Integration.user_id)
    )
    return list(rows.scalars())
