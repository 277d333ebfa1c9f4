"""The coach's Strava tools: upload an activity (needs the athlete's approval), import from Strava, status.

Connecting (the OAuth redirect and callback) is not a tool: the API calls `tools.strava.oauth`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Job
from core.queue.outbox import enqueue, send_after_commit
from core.queue.records import create_job, requeue_finished
from tools.deps import ToolDeps
from tools.integrations.credentials import require_integration
from tools.integrations.repository import active_job
from tools.integrations.sync_runs import RunningJobOut, SyncRunOut, connection_summary
from tools.registry import tool
from tools.strava.policy import require_api_import
from tools.strava.upload import check_uploadable


def upload_key(activity_id: int) -> str:
    return f"strava.upload:{activity_id}"


async def _rearm(session: AsyncSession, job: Job) -> None:
    """Run a finished upload job again (same row: a known Strava upload id is polled, not re-sent), once the
    caller's unit of work commits."""
    await requeue_finished(session, job.id)
    send_after_commit(session, job.id)


class UploadToStravaInput(BaseModel):
    activity_id: int = Field(description="the RunCoach activity id (from the activity list)")


class UploadToStravaOutput(BaseModel):
    status: Literal["queued", "already_queued", "already_on_strava"]
    job_id: str | None = None
    strava_activity_id: int | None = None
    message: str


@tool(side_effect=True)
async def upload_to_strava(deps: ToolDeps, args: UploadToStravaInput) -> UploadToStravaOutput:
    """Upload one activity's original FIT file to the athlete's Strava account (visible to their Strava
    followers according to their Strava privacy settings). Runs in the background; if Strava already has
    the activity it is linked instead, and an activity is never uploaded twice."""
    await require_integration(deps.session, deps.user_id, "strava")
    activity, on_strava = await check_uploadable(deps.session, deps.user_id, args.activity_id)
    if on_strava:
        await deps.session.flush()
        return UploadToStravaOutput(
            status="already_on_strava",
            strava_activity_id=activity.strava_activity_id,
            message=f"Already on Strava (activity {activity.strava_activity_id}).",
        )
    job, created = await create_job(
        deps.session,
        "strava.upload",
        {"activity_id": args.activity_id},
        user_id=deps.user_id,
        idempotency_key=upload_key(args.activity_id),
    )
    if created:
        send_after_commit(deps.session, job.id)
        return UploadToStravaOutput(
            status="queued",
            job_id=str(job.id),
            message="Uploading to Strava in the background; it is linked here once Strava has processed it.",
        )
    if job.state in ("failed", "succeeded"):  # failed before, or succeeded but the link was removed since
        previous = f" ({job.error})" if job.error else ""
        await _rearm(deps.session, job)
        return UploadToStravaOutput(
            status="queued",
            job_id=str(job.id),
            message=f"The earlier upload attempt did not finish{previous}; trying again now.",
        )
    return UploadToStravaOutput(
        status="already_queued",
        job_id=str(job.id),
        message="This activity is already being uploaded to Strava.",
    )


class SyncStravaInput(BaseModel):
    days: int | None = Field(
        default=None, ge=1, le=36500, description="days back to import; default: since the last import"
    )


class SyncStravaOutput(BaseModel):
    job_id: str
    status: Literal["queued", "already_running"]
    message: str


@tool(side_effect=True)
async def sync_strava(deps: ToolDeps, args: SyncStravaInput) -> SyncStravaOutput:
    """Import the athlete's Strava activities (with heart rate, pace, power and GPS streams) in the
    background. Activities RunCoach already has from a FIT file or Garmin are linked, not duplicated.
    Off unless the operator enabled Strava API import (Strava's API policy); then it says so."""
    require_api_import()
    await require_integration(deps.session, deps.user_id, "strava")
    running = await active_job(deps.session, deps.user_id, "strava.sync")
    if running is not None:
        return SyncStravaOutput(
            job_id=str(running.id), status="already_running", message="A Strava import is already running."
        )
    job = await enqueue(deps.session, "strava.sync", {"days": args.days}, user_id=deps.user_id)
    return SyncStravaOutput(
        job_id=str(job.id),
        status="queued",
        message="Strava import started: new activities are imported with their streams; "
        "known ones are linked.",
    )


class StravaStatusInput(BaseModel):
    pass


class StravaStatusOutput(BaseModel):
    connected: bool
    status: str = Field(description="connected | needs_reauth | not_connected")
    athlete_name: str | None = None
    can_upload: bool = False
    scopes: list[str] = Field(default_factory=list)
    last_sync_at: datetime | None = None
    message: str
    last_run: SyncRunOut | None = None
    running_job: RunningJobOut | None = None


@tool()
async def strava_status(deps: ToolDeps, args: StravaStatusInput) -> StravaStatusOutput:
    """Whether Strava is connected, which permissions were granted (upload or not), when activities were
    last imported and what the last import did."""
    summary, settings = await connection_summary(
        deps.session,
        deps.user_id,
        "strava",
        job_kind="strava.sync",
        reauth_message="Strava needs to be connected again.",
    )
    scopes = list(settings.get("scopes") or [])
    return StravaStatusOutput(
        **dict(summary),
        athlete_name=settings.get("athlete_name"),
        can_upload="activity:write" in scopes,
        scopes=scopes,
    )
