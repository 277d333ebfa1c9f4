"""Garmin health history: a year of sleep, HRV and resting HR (readiness wants a 60-night baseline).

A regular sync fetches daily health only for the days since the last one, at most `garmin_health_days_max`
(30). A full-history sync, the first sync of a connection, and a sync that comes more than that many days
after the last one, also queue
`garmin.health_backfill` (one per athlete and day: the idempotency key), which fills the last
`BACKFILL_DAYS` days:

- Which days: from today back to `BACKFILL_DAYS - 1` days ago, newest first, leaving out the days already
  stored (the sync's own recent days are not asked again). A later backfill starts after the day the
  athlete's last finished one reached, so it fills the gaps since then without asking again for the many
  days Garmin had nothing for.
- Bounded chunks: `CHUNK_DAYS` days are fetched (Garmin's three calls a day, `PAUSE_S` between days to stay
  well inside its rate limits), then stored and committed together with the job's progress (`cursor`: the
  oldest day done), so progress shows while it runs and a job that stops — a 429 (retried after Garmin's
  Retry-After), a crash, a worker restart — resumes after the last committed chunk without asking Garmin
  for those days again. The window is fixed by the first run, so a resume the next day asks for the same
  days.
- A day Garmin has nothing for is counted `empty`; a day it fails to answer (5xx) is counted `failed` with
  the reason and kept in `failed_days`: the athlete's next backfill asks for those days again, after its
  own window; `MAX_CONSECUTIVE_SERVER_ERRORS` in a row stop the job (it is
  retried, from the last chunk). Rejected tokens stop it for good (not retried).
- One backfill per athlete at a time (a Redis lock of its own; a second one waits and retries). Syncs are
  not blocked by it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import session_scope
from core.errors import CoachError, ServiceUnavailable
from core.models import Job
from core.queue.outbox import enqueue
from core.queue.records import last_result, set_progress
from core.redis import get_redis
from tools.garmin.client import open_garmin
from tools.garmin.health import fetch_health_day
from tools.health.repository import HealthDays
from tools.integrations.locks import hold_lock

log = logging.getLogger(__name__)

JOB_KIND = "garmin.health_backfill"
BACKFILL_DAYS = 365
CHUNK_DAYS = 14
PAUSE_S = 0.25
LOCK_TTL_S = 60.0
#: Garmin failing this many days in a row stops the job (retried later) instead of marking a year failed
MAX_CONSECUTIVE_SERVER_ERRORS = 3
MAX_ERRORS_KEPT = 10


class BackfillProgress(BaseModel):
    phase: Literal["health", "done"] = "health"
    since: date
    until: date
    cursor: date | None = None  # the oldest day done (days go newest first)
    done: int = 0
    total: int = 0
    stored: int = 0
    empty: int = 0
    failed: int = 0
    errors: list[dict[str, str]] = []
    #: every day Garmin failed to answer, asked again by the athlete's next backfill
    failed_days: list[date] = []
    #: the previous backfill's failed days this one asks again (after its own window, oldest last)
    retry_days: list[date] = []


def lock_key(user_id: int) -> str:
    return f"runcoach:lock:garmin-health-backfill:{user_id}"


async def queue_health_backfill(session: AsyncSession, user_id: int, *, today: date) -> Job:
    """Queue the athlete's health backfill in the caller's transaction (once a day at most)."""
    return await enqueue(
        session,
        JOB_KIND,
        {"days": BACKFILL_DAYS},
        user_id=user_id,
        idempotency_key=f"{JOB_KIND}:{user_id}:{today.isoformat()}",
        max_attempts=10,
    )


async def _previous(session: AsyncSession, user_id: int) -> tuple[date | None, list[date]]:
    """The last day the user's latest finished backfill covered (if any), and the days it failed to get."""
    result = await last_result(session, user_id, JOB_KIND)
    if result is None or not isinstance(result.get("until"), str):
        return None, []
    previous = BackfillProgress.model_validate(result)
    return previous.until, previous.failed_days


def _busy(holder: str | None) -> CoachError:
    return ServiceUnavailable("A Garmin health backfill is already running for this account; retrying later.")


async def _save(
    job_id: uuid.UUID, user_id: int, found: list[tuple[date, Any]], state: BackfillProgress
) -> None:
    """A chunk's days and the job's progress, in one unit of work."""
    async with session_scope() as session:
        health = HealthDays(session, user_id)
        for day, (values, raw) in found:
            await health.upsert(day, values, raw, source="garmin")
        await set_progress(session, job_id, **state.model_dump(mode="json"))


async def run_health_backfill(
    job_id: uuid.UUID, user_id: int, *, today: date, days: int, progress: dict[str, Any] | None
) -> BackfillProgress:
    """Fetch and store the missing days of health history, chunk by chunk (see the module docstring)."""
    async with hold_lock(
        get_redis(), lock_key(user_id), ttl_s=LOCK_TTL_S, owner=f"job:{job_id}", busy=_busy
    ) as lock:
        async with session_scope() as session:
            if progress and "until" in progress:
                state = BackfillProgress.model_validate(progress)
            else:
                since = today - timedelta(days=days - 1)
                previous, failed_before = await _previous(session, user_id)
                if previous is not None:
                    since = max(since, previous + timedelta(days=1))
                retry = sorted((d for d in set(failed_before) if d < since), reverse=True)
                state = BackfillProgress(since=since, until=today, retry_days=retry)
            newest = state.cursor - timedelta(days=1) if state.cursor else state.until
            oldest = min([state.since, *state.retry_days])
            stored = await HealthDays(session, user_id).stored_days(oldest, max(newest, oldest))
        span = (newest - state.since).days + 1
        window = [newest - timedelta(days=i) for i in range(max(span, 0))]
        # newest first; the retried days are older than the window, so a resume's cursor covers them too
        retried = [d for d in state.retry_days if d <= newest]
        wanted = [d for d in window + retried if d not in stored]
        if state.cursor is None:
            state.total = len(wanted)
        conn = await open_garmin(user_id)
        server_errors = 0
        for start in range(0, len(wanted), CHUNK_DAYS):
            found: list[tuple[date, Any]] = []
            for day in wanted[start : start + CHUNK_DAYS]:
                lock.ensure_held()
                try:
                    values = await fetch_health_day(conn, day)
                except ServiceUnavailable as exc:
                    server_errors += 1
                    if server_errors >= MAX_CONSECUTIVE_SERVER_ERRORS:
                        raise
                    state.failed += 1
                    state.failed_days.append(day)
                    if len(state.errors) < MAX_ERRORS_KEPT:
                        state.errors.append({"day": day.isoformat(), "error": exc.message})
                    values = None
                else:
                    server_errors = 0
                    if values is None:
                        state.empty += 1
                    else:
                        found.append((day, values))
                state.cursor = day
                state.done += 1
                await asyncio.sleep(PAUSE_S)
            state.stored += len(found)
            await _save(job_id, user_id, found, state)
            log.info("garmin health backfill %s: %d/%d days", job_id, state.done, state.total)
        state.phase = "done"
        await _save(job_id, user_id, [], state)
        return state
