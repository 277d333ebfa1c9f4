"""Strava activities → RunCoach activities, with their streams as per-second samples.

- Idempotent by Strava id (`source="strava"`, `external_id=<id>`); an activity RunCoach already has from
  another source (a FIT file, a Garmin sync: same start time within `SAME_START_TOLERANCE`) is not stored
  twice: it is linked instead (its `strava_activity_id` is set) and counted as skipped.
- Streams (time, position, distance, altitude, speed, heart rate, cadence, power, temperature) become
  samples through `store_activity` (COPY). Running/walking/hiking cadence is doubled to steps per minute
  (Strava, like FIT, counts one foot), as the FIT import does. Manual activities have no streams.
- Exclusive per user (Redis lock), audited in `sync_runs`, each activity committed on its own; a rate
  limit stops the run (the job retries it at Strava's next window) and keeps what was imported.
- Strava's budget (~100 reads per 15 minutes per app) is checked from the usage headers before each
  activity, so a big import pauses before it hits a 429.
- `run_strava_activity_import` imports one activity by id (a webhook "create" event): the same dedup and
  audit, without moving the polling window (`last_sync_at`); it waits (retryable) while a full import runs.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from core.database import session_scope
from core.errors import CoachError, Conflict, NotFound, RateLimited, ReauthRequired, ServiceUnavailable
from core.redis import get_redis
from core.settings import get_settings
from tools.activities.importer import SAME_START_TOLERANCE
from tools.activities.store import NewActivity, store_activity
from tools.gear.gear import link_default_gear
from tools.integrations.credentials import get_integration, set_last_sync
from tools.integrations.locks import hold_lock
from tools.integrations.repository import known_activity
from tools.integrations.sync_runs import Outcome, SyncRunRecorder
from tools.strava.client import StravaConnection, open_strava, window_wait_s
from tools.strava.sports import strava_sport
from tools.training_load.activity import compute_activity_load

log = logging.getLogger(__name__)

STREAM_TYPES = [
    "time",
    "latlng",
    "distance",
    "altitude",
    "velocity_smooth",
    "heartrate",
    "cadence",
    "watts",
    "temp",
]
STEP_SPORTS = frozenset({"running", "walking", "hiking"})
BUDGET_RESERVE = 3  # requests kept free in the 15-minute window (uploads, status checks)


class StravaImportResult(BaseModel):
    sync_run_id: int
    since: date
    activities_seen: int
    imported: int
    skipped: int
    failed: int
    errors: list[dict[str, Any]]


def sync_lock_key(user_id: int) -> str:
    return f"runcoach:lock:strava-sync:{user_id}"


def _root(value: Any) -> str | None:
    value = getattr(value, "root", value)
    return str(value) if value else None


def sport_of(activity: Any) -> tuple[str, str | None]:
    kind = _root(getattr(activity, "sport_type", None)) or _root(getattr(activity, "type", None)) or "Workout"
    return strava_sport(kind)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def to_new_activity(activity: Any, streams: dict[str, Any]) -> NewActivity:
    """One Strava activity (summary or detail) and its streams in the shape `store_activity` writes."""
    start: datetime = activity.start_date
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    sport, sub_sport = sport_of(activity)
    steps = 2.0 if sport in STEP_SPORTS else 1.0
    avg_cadence = _num(getattr(activity, "average_cadence", None))
    fields: dict[str, Any] = {
        "source": "strava",
        "external_id": str(activity.id),
        "strava_activity_id": int(activity.id),
        "name": (activity.name or None) and str(activity.name)[:200],
        "sport": sport,
        "sub_sport": sub_sport,
        "start_time": start,
        "tz_offset_s": int(activity.utc_offset)
        if getattr(activity, "utc_offset", None) is not None
        else None,
        "elapsed_s": _num(activity.elapsed_time),
        "moving_s": _num(activity.moving_time),
        "distance_m": _num(activity.distance),
        "ascent_m": _num(getattr(activity, "total_elevation_gain", None)),
        "avg_hr": _num(getattr(activity, "average_heartrate", None)),
        "max_hr": _num(getattr(activity, "max_heartrate", None)),
        "avg_cadence": avg_cadence * steps if avg_cadence is not None else None,
        "avg_power": _num(getattr(activity, "average_watts", None)),
        "max_power": _num(getattr(activity, "max_watts", None)),
        "avg_speed_mps": _num(getattr(activity, "average_speed", None)),
        "max_speed_mps": _num(getattr(activity, "max_speed", None)),
        "calories": _num(getattr(activity, "calories", None)) or _num(getattr(activity, "kilojoules", None)),
    }
    return NewActivity(fields=fields, samples=streams_to_samples(start, streams, cadence_factor=steps))


def streams_to_samples(
    start: datetime, streams: dict[str, Any], *, cadence_factor: float = 1.0
) -> dict[str, list[Any]]:
    """Column-oriented samples (one per distinct second) from Strava streams keyed by type."""

    def data(key: str) -> list[Any] | None:
        stream = streams.get(key)
        values = getattr(stream, "data", stream)
        return list(values) if isinstance(values, (list, tuple)) else None

    times = data("time")
    if not times:
        return {}
    n = len(times)

    def column(key: str) -> list[Any] | None:
        values = data(key)
        return values if values is not None and len(values) == n else None

    latlng = column("latlng")
    cadence = column("cadence")
    sources: dict[str, list[Any] | None] = {
        "heart_rate": column("heartrate"),
        "speed_mps": column("velocity_smooth"),
        "cadence": [c * cadence_factor if c is not None else None for c in cadence] if cadence else None,
        "power_w": column("watts"),
        "altitude_m": column("altitude"),
        "lat": [p[0] if p else None for p in latlng] if latlng else None,
        "lon": [p[1] if p else None for p in latlng] if latlng else None,
        "distance_m": column("distance"),
        "temperature_c": column("temp"),
    }
    keep: dict[int, int] = {}  # second → index of its last value (Strava may repeat a second)
    for index, offset in enumerate(times):
        if offset is not None:
            keep[int(offset)] = index
    order = sorted(keep)
    samples: dict[str, list[Any]] = {"ts": [start + timedelta(seconds=s) for s in order]}
    for name, values in sources.items():
        if values is not None:
            samples[name] = [values[keep[s]] for s in order]
    return samples


async def _known(user_id: int, strava_id: int, start: datetime) -> bool:
    """True if stored already; an activity from another source with the same start gets linked."""
    async with session_scope() as session:
        found = await known_activity(
            session,
            user_id,
            source="strava",
            external_id=str(strava_id),
            start=start,
            tolerance=SAME_START_TOLERANCE,
        )
        if found is None:
            return False
        if found.strava_activity_id is None:
            found.strava_activity_id = strava_id
        return True


def _ensure_budget(conn: StravaConnection) -> None:
    wait = window_wait_s(conn.api.recorder.rates, reserve=BUDGET_RESERVE)
    if wait is not None:
        raise RateLimited(
            "Strava's request budget for RunCoach is nearly used up; "
            "the import continues in the next window.",
            retry_after_s=wait,
        )


async def _import_one(conn: StravaConnection, run: SyncRunRecorder, activity: Any) -> Outcome:
    start: datetime = (
        activity.start_date if activity.start_date.tzinfo else activity.start_date.replace(tzinfo=UTC)
    )
    if await _known(run.user_id, int(activity.id), start):
        return "skipped"
    streams: dict[str, Any] = {}
    if not getattr(activity, "manual", False):
        _ensure_budget(conn)
        try:
            streams = await conn.call(
                conn.api.get_activity_streams,
                activity.id,
                types=STREAM_TYPES,
                what=f"the streams of {activity.id}",
            )
        except NotFound:
            streams = {}
    new = to_new_activity(activity, streams)
    async with session_scope() as session:
        try:
            async with session.begin_nested():
                stored = await store_activity(session, run.user_id, new)
                await link_default_gear(session, stored)
                await compute_activity_load(session, stored)
        except IntegrityError:
            return "skipped"  # a concurrent import of the same activity won
    return "imported"


def _busy_for(job_id: uuid.UUID | None) -> Callable[[str | None], CoachError]:
    def busy(holder: str | None) -> CoachError:
        if job_id is not None and holder == f"job:{job_id}":  # this very job, redelivered while it runs
            return ServiceUnavailable("This Strava import is still running; checking on it again later.")
        return Conflict("A Strava import is already running for this account; wait for it to finish.")

    return busy


async def run_strava_import(
    user_id: int, *, job_id: uuid.UUID | None = None, days: int | None = None
) -> StravaImportResult:
    """Import the user's Strava activities since the last import (first: `strava_first_sync_days`)."""
    settings = get_settings()
    async with hold_lock(
        get_redis(), sync_lock_key(user_id), ttl_s=60, owner=f"job:{job_id}", busy=_busy_for(job_id)
    ) as lock:
        conn = await open_strava(user_id)
        async with session_scope() as session:
            integration = await get_integration(session, user_id, "strava")
            last = integration.last_sync_at if integration is not None else None
        now = datetime.now(UTC)
        if days is not None:
            after = now - timedelta(days=days)
        elif last is not None:
            after = last - timedelta(days=1)
        else:
            after = now - timedelta(days=settings.strava_first_sync_days)
        run = SyncRunRecorder(user_id, "strava", job_id)
        await run.start()
        try:
            activities = await conn.call(
                lambda: list(conn.api.get_activities(after=after)), what="the activity list"
            )
            activities.sort(key=lambda a: a.start_date or datetime.min.replace(tzinfo=UTC))
            run.total = len(activities)
            await run.progress("activities")
            for activity in activities:
                lock.ensure_held()
                try:
                    outcome = await _import_one(conn, run, activity)
                except (RateLimited, ReauthRequired):
                    raise
                except CoachError as error:
                    run.error(activity_id=activity.id, name=activity.name, error=error.message)
                    outcome = "failed"
                except Exception as error:  # a bug or odd data must not stop the other activities
                    log.exception("importing Strava activity %s for user %s failed", activity.id, user_id)
                    message = f"Could not import it ({type(error).__name__}: {error})."
                    run.error(activity_id=activity.id, name=activity.name, error=message)
                    outcome = "failed"
                run.count(outcome)
                await run.progress("activities")
        except BaseException as error:
            run.error(
                error=error.message if isinstance(error, CoachError) else "The import stopped unexpectedly."
            )
            await run.finish("failed")
            raise
        await run.finish(run.outcome_status)
        async with session_scope() as session:
            await set_last_sync(session, user_id, "strava", now)
        return StravaImportResult(
            sync_run_id=run.id,
            since=after.date(),
            activities_seen=len(activities),
            imported=run.imported,
            skipped=run.skipped,
            failed=run.failed,
            errors=run.errors,
        )


async def run_strava_activity_import(
    user_id: int, strava_id: int, *, job_id: uuid.UUID | None = None
) -> StravaImportResult:
    """Import one Strava activity by its id, exactly as the polling import would store it (or skip it).

    `last_sync_at` is left alone: one pushed activity says nothing about the others since the last poll."""

    def busy(holder: str | None) -> CoachError:
        return ServiceUnavailable("A Strava import is running for this account; this activity follows it.")

    async with hold_lock(get_redis(), sync_lock_key(user_id), ttl_s=60, owner=f"job:{job_id}", busy=busy):
        conn = await open_strava(user_id)
        run = SyncRunRecorder(user_id, "strava", job_id)
        await run.start()
        run.total = 1
        since = datetime.now(UTC).date()
        try:
            try:
                activity = await conn.call(conn.api.get_activity, strava_id, what=f"activity {strava_id}")
            except NotFound:  # deleted again, or private while we may not read private activities
                run.error(
                    activity_id=strava_id, error="Strava has no such activity for this account (any more)."
                )
                outcome: Outcome = "skipped"
            else:
                since = activity.start_date.date() if activity.start_date else since
                outcome = await _import_one(conn, run, activity)
            run.count(outcome)
        except BaseException as error:
            run.error(
                error=error.message if isinstance(error, CoachError) else "The import stopped unexpectedly."
            )
            await run.finish("failed")
            raise
        await run.finish("succeeded")
        return StravaImportResult(
            sync_run_id=run.id,
            since=since,
            activities_seen=1,
            imported=run.imported,
            skipped=run.skipped,
            failed=run.failed,
            errors=run.errors,
        )
