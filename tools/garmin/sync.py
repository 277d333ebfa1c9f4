"""One Garmin sync for one user: new activities (original FIT → `import_fit`) and daily health.

- Window: the first sync fetches `garmin_first_sync_days` (or the days asked for, or the full history);
  later syncs start `garmin_sync_overlap_days` before the last one (activities uploaded late). Health:
  the days since the last sync, at most `garmin_health_days_max`, ending today in the user's time zone. A
  full-history sync, and a sync whose days since the last one were more than that, also queue the health
  backfill (a year of sleep, HRV and resting HR, or the gap since the last backfill: `tools.garmin.backfill`).
- Exclusive: a per-user Redis lock (TTL, renewed while working, released in `finally`); a second sync
  for the same user fails at once with "a Garmin sync is already running".
- Each activity is its own unit of work (committed on its own), so a long sync keeps what it imported if
  it is interrupted, progress is visible while it runs, and a failed activity (no file, a broken file, a
  server error) is recorded and skipped while the others continue. Known activities (same Garmin id, or
  the same start time from another source) are skipped before anything is downloaded.
- Stops the whole sync (the job retries it later; done work is kept and skipped next time): a rate limit
  (429, honouring Retry-After when Garmin sends one), rejected tokens (`ReauthRequired`, not retried),
  or Garmin failing `MAX_CONSECUTIVE_SERVER_ERRORS` downloads in a row.
- Audit: a `sync_runs` row per run (status running → succeeded | partial | failed, counts, errors) and
  `done`/`total` progress on the job row, both committed as the sync goes.
"""

from __future__ import annotations

import asyncio
import io
import logging
import uuid
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from garminconnect import Garmin
from pydantic import BaseModel

from core.database import session_scope
from core.errors import CoachError, Conflict, InvalidInput, RateLimited, ReauthRequired, ServiceUnavailable
from core.models import User
from core.redis import get_redis
from core.settings import get_settings
from tools.activities.importer import SAME_START_TOLERANCE, import_fit
from tools.deps import user_zone
from tools.garmin.backfill import queue_health_backfill
from tools.garmin.client import GarminConnection, GarminNotFound, open_garmin
from tools.garmin.health import fetch_health_day
from tools.health.repository import HealthDays
from tools.integrations.credentials import get_integration, set_last_sync
from tools.integrations.locks import hold_lock
from tools.integrations.repository import known_activity
from tools.integrations.sync_runs import Outcome, SyncRunRecorder

log = logging.getLogger(__name__)

FULL_HISTORY_START = date(1990, 1, 1)
LOCK_TTL_S = 60.0
MAX_CONSECUTIVE_SERVER_ERRORS = 3
DOWNLOAD_RETRY_DELAYS_S = (0.5, 1.5)  # in-place retries of one download after a 5xx
MAX_FIT_BYTES = 200 * 1024 * 1024


class GarminSyncResult(BaseModel):
    sync_run_id: int
    since: date
    until: date
    activities_seen: int
    imported: int
    skipped: int
    failed: int
    health_days: int
    errors: list[dict[str, Any]]


def sync_lock_key(user_id: int) -> str:
    return f"runcoach:lock:garmin-sync:{user_id}"


def _busy_for(job_id: uuid.UUID | None) -> Callable[[str | None], CoachError]:
    def busy(holder: str | None) -> CoachError:
        if job_id is not None and holder == f"job:{job_id}":
            # the queue redelivered this very job while it still runs (a sync longer than the visibility
            # timeout): not a second sync; retry later, by when the running one has finished the row
            return ServiceUnavailable("This Garmin sync is still running; checking on it again later.")
        return _busy(holder)

    return busy


def _busy(holder: str | None) -> CoachError:
    return Conflict(
        "A Garmin sync is already running for this account"
        + (f" ({holder.replace('job:', 'job ')})" if holder and holder != "job:None" else "")
        + "; wait for it to finish.",
        details={"holder": holder},
    )


def extract_fit(blob: bytes, *, activity_id: int | str) -> bytes:
    """The FIT file inside Garmin's "original" download (a zip holding one .fit), or the bytes if they
    already are a FIT file."""
    if blob[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(blob)) as archive:
                members = [i for i in archive.infolist() if i.filename.lower().endswith(".fit")]
                if not members:
                    names = ", ".join(archive.namelist()) or "nothing"
                    raise InvalidInput(
                        f"Garmin's original file for activity {activity_id} holds no FIT file ({names})."
                    )
                member = max(members, key=lambda i: i.file_size)
                if member.file_size > MAX_FIT_BYTES:
                    raise InvalidInput(
                        f"The FIT file of Garmin activity {activity_id} is too large to import."
                    )
                return archive.read(member)
        except zipfile.BadZipFile as exc:
            raise InvalidInput(
                f"Garmin's download for activity {activity_id} is a damaged zip file."
            ) from exc
    if len(blob) >= 12 and blob[8:12] == b".FIT":
        return blob
    raise InvalidInput(f"Garmin's download for activity {activity_id} is neither a zip nor a FIT file.")


def _start_of(summary: dict[str, Any]) -> datetime | None:
    begin = summary.get("beginTimestamp")
    if isinstance(begin, (int, float)):
        return datetime.fromtimestamp(begin / 1000, UTC)
    text = summary.get("startTimeGMT")
    if isinstance(text, str):
        try:
            return datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=UTC)
        except ValueError:
            return None
    return None


async def _already_stored(user_id: int, external_id: str, start: datetime | None) -> bool:
    async with session_scope() as session:
        found = await known_activity(
            session,
            user_id,
            source="garmin",
            external_id=external_id,
            start=start,
            tolerance=SAME_START_TOLERANCE,
        )
        return found is not None


async def _download(conn: GarminConnection, activity_id: int) -> bytes:
    for attempt, delay in enumerate((*DOWNLOAD_RETRY_DELAYS_S, None)):
        try:
            return await conn.call(
                conn.api.download_activity,
                activity_id,
                dl_fmt=Garmin.ActivityDownloadFormat.ORIGINAL,
                what=f"the original file of activity {activity_id}",
            )
        except ServiceUnavailable:
            if delay is None:
                raise
            log.info("retrying the download of Garmin activity %s (attempt %d)", activity_id, attempt + 2)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


async def _sync_activity(conn: GarminConnection, run: SyncRunRecorder, summary: dict[str, Any]) -> Outcome:
    activity_id = summary.get("activityId")
    if not isinstance(activity_id, int):
        return "skipped"
    name = summary.get("activityName")
    if await _already_stored(run.user_id, str(activity_id), _start_of(summary)):
        return "skipped"
    if summary.get("manualActivity"):
        return "skipped"  # entered by hand on Garmin: there is no file to import
    try:
        fit = extract_fit(await _download(conn, activity_id), activity_id=activity_id)
        async with session_scope() as session:
            result = await import_fit(
                session,
                run.user_id,
                fit,
                filename=f"garmin_{activity_id}.fit",
                source="garmin",
                external_id=str(activity_id),
                name=name if isinstance(name, str) else None,
            )
    except GarminNotFound:
        run.error(activity_id=activity_id, name=name, error="Garmin Connect has no original file for it.")
        return "failed"
    except (InvalidInput, ServiceUnavailable) as exc:
        run.error(activity_id=activity_id, name=name, error=exc.message)
        if isinstance(exc, ServiceUnavailable):
            raise
        return "failed"
    except (RateLimited, ReauthRequired):
        raise
    except CoachError as exc:  # e.g. Garmin refused this one download (403)
        run.error(activity_id=activity_id, name=name, error=exc.message)
        return "failed"
    except Exception as exc:  # a bug or an odd file must not stop the other activities
        log.exception("importing Garmin activity %s for user %s failed", activity_id, run.user_id)
        run.error(
            activity_id=activity_id, name=name, error=f"Could not import it ({type(exc).__name__}: {exc})."
        )
        return "failed"
    return "imported" if result.status == "imported" else "skipped"


async def _window(user_id: int, days: int | None, full_history: bool) -> tuple[date, date, int, bool]:
    """(activities since, until = today for the user, number of health days, whether the health days were
    capped: the days since the last sync are more than `garmin_health_days_max`)."""
    settings = get_settings()
    async with session_scope() as session:
        user = await session.get_one(User, user_id)
        integration = await get_integration(session, user_id, "garmin")
        tz = user_zone(user)
        last = integration.last_sync_at if integration is not None else None
    today = datetime.now(tz).date()
    if full_history:
        since = FULL_HISTORY_START
    elif days is not None:
        since = today - timedelta(days=days)
    elif last is not None:
        since = last.astimezone(tz).date() - timedelta(days=settings.garmin_sync_overlap_days)
    else:
        since = today - timedelta(days=settings.garmin_first_sync_days)
    if last is not None and days is None and not full_history:
        health_days = (today - last.astimezone(tz).date()).days + 1
    else:
        health_days = (today - since).days + 1
    # a first sync (no last one) fetches `garmin_first_sync_days` of activities: its health is capped too,
    # and the backfill brings the year readiness wants
    capped = days is None and not full_history and health_days > settings.garmin_health_days_max
    return since, today, max(1, min(health_days, settings.garmin_health_days_max)), capped


async def run_garmin_sync(
    user_id: int, *, job_id: uuid.UUID | None = None, days: int | None = None, full_history: bool = False
) -> GarminSyncResult:
    """Sync the user's Garmin activities and daily health (see the module docstring)."""
    async with hold_lock(
        get_redis(), sync_lock_key(user_id), ttl_s=LOCK_TTL_S, owner=f"job:{job_id}", busy=_busy_for(job_id)
    ) as lock:
        conn = await open_garmin(user_id)
        since, until, health_count, health_capped = await _window(user_id, days, full_history)
        run = SyncRunRecorder(user_id, "garmin", job_id)
        await run.start()
        try:
            summaries = await conn.call(
                conn.api.get_activities_by_date,
                since.isoformat(),
                (until + timedelta(days=1)).isoformat(),
                None,
                "asc",
                what="the activity list",
            )
            health_dates = [until - timedelta(days=i) for i in range(health_count)]
            run.total = len(summaries) + len(health_dates)
            await run.progress("activities")
            server_errors = 0
            for summary in summaries:
                lock.ensure_held()
                try:
                    outcome = await _sync_activity(conn, run, summary)
                    server_errors = 0
                except ServiceUnavailable:
                    outcome = "failed"
                    server_errors += 1
                    if server_errors >= MAX_CONSECUTIVE_SERVER_ERRORS:
                        raise
                run.count(outcome)
                await run.progress("activities")
            for day in health_dates:
                lock.ensure_held()
                try:
                    found = await fetch_health_day(conn, day)
                except ServiceUnavailable as exc:
                    run.error(day=day.isoformat(), error=exc.message)
                    found = None
                if found is not None:
                    async with session_scope() as session:
                        await HealthDays(session, user_id).upsert(day, *found, source="garmin")
                    run.health_days += 1
                run.done += 1
                await run.progress("health")
        except CoachError as exc:
            run.error(error=exc.message)
            await run.finish("failed")
            raise
        except BaseException:
            run.error(error="The sync stopped unexpectedly; it will be retried.")
            await run.finish("failed")
            raise
        await run.finish(run.outcome_status)
        async with session_scope() as session:
            await set_last_sync(session, user_id, "garmin", datetime.now(UTC))
            if full_history or health_capped:  # the health this sync did not fetch: `tools.garmin.backfill`
                await queue_health_backfill(session, user_id, today=until)
        return GarminSyncResult(
            sync_run_id=run.id,
            since=since,
            until=until,
            activities_seen=len(summaries),
            imported=run.imported,
            skipped=run.skipped,
            failed=run.failed,
            health_days=run.health_days,
            errors=run.errors,
        )
