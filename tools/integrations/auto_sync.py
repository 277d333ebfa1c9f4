"""Periodic sync: each connected Garmin and Strava account is synced again once its last sync is older than
`sync_interval_min`, so new activities and health arrive without anyone pressing "sync now". The scheduler
asks every 15 minutes (`jobs/tasks/sync_schedule.py`).

Push sync (`tools/integrations/push`) makes this rarely find anything new on Strava; it is the safety net
for a missed event, and for Garmin through the athlete's own login the only automatic path.

It starts syncs exactly as the button does (`start_sync`): a sync already queued or running is reused,
never doubled, and two schedulers at once queue one job. A connection that must be made again is skipped
(its sync could only fail; the athlete was told when it broke). Each account is handled in its own unit of
work, so one broken account never stops the others.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import cast

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import session_scope
from core.errors import CoachError
from core.models import User
from core.settings import Settings, get_settings
from tools.deps import ToolDeps
from tools.integrations.credentials import CONNECTED, Provider
from tools.integrations.repository import due_connections
from tools.integrations.sync_start import SyncRequest, start_sync

log = logging.getLogger(__name__)

PROVIDERS: tuple[Provider, ...] = ("garmin", "strava")
BATCH = 200  # accounts per scheduler tick; the oldest first, the rest on the next tick


class AutoSyncResult(BaseModel):
    due: int
    queued: int
    already_running: int
    failed: int


async def due_accounts(
    session: AsyncSession, now: datetime, interval: timedelta
) -> list[tuple[int, Provider]]:
    """(user id, provider) of the connected accounts whose last sync is older than `interval` (or that
    never synced), the longest waiting first. Across users: this is the scheduler's question."""
    due = await due_connections(session, PROVIDERS, CONNECTED, now, interval, limit=BATCH)
    return [(user_id, cast(Provider, provider)) for user_id, provider in due]


async def run_auto_sync(*, now: datetime | None = None, settings: Settings | None = None) -> AutoSyncResult:
    """Start the sync of every due account (see the module docstring)."""
    settings = settings or get_settings()
    if settings.sync_interval_min <= 0:
        return AutoSyncResult(due=0, queued=0, already_running=0, failed=0)
    now = now or datetime.now(UTC)
    async with session_scope() as session:
        due = await due_accounts(session, now, timedelta(minutes=settings.sync_interval_min))
    queued = running = failed = 0
    for user_id, provider in due:
        try:
            async with session_scope() as session:
                user = await session.get_one(User, user_id)
                started = await start_sync(
                    ToolDeps.for_user(session, user, settings=settings), provider, SyncRequest()
                )
        except CoachError as exc:  # not connected any more, needs reauth, a start lock held too long …
            failed += 1
            log.info("periodic %s sync of user %s not started: %s", provider, user_id, exc.message)
            continue
        except Exception:
            failed += 1
            log.exception("periodic %s sync of user %s failed to start", provider, user_id)
            continue
        if started.status == "queued":
            queued += 1
        else:
            running += 1
    if due:
        log.info(
            "periodic sync: %d due, %d queued, %d already running, %d not started",
            len(due),
            queued,
            running,
            failed,
        )
    return AutoSyncResult(due=len(due), queued=queued, already_running=running, failed=failed)
