"""The coach's Garmin tools: start a sync (as a job) and report the connection's status.

Connecting (email, password, MFA code) is deliberately not a tool: credentials never pass through the
model. The API, the web app and the bot call `tools.garmin.auth` for that.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.queue.outbox import enqueue
from core.redis import get_redis
from tools.deps import ToolDeps
from tools.garmin.sync import LOCK_TTL_S, sync_lock_key
from tools.integrations.credentials import require_integration
from tools.integrations.locks import lock_holder
from tools.integrations.repository import active_job
from tools.integrations.sync_runs import RunningJobOut, SyncRunOut, connection_summary
from tools.registry import tool


class SyncGarminInput(BaseModel):
    days: int | None = Field(
        default=None,
        ge=1,
        le=36500,
        description="how many days back to fetch; default: everything since the last sync "
        "(the first sync fetches 90 days)",
    )
    full_history: bool = Field(default=False, description="fetch the whole Garmin history (can take an hour)")


class SyncGarminOutput(BaseModel):
    job_id: str
    status: Literal["queued", "already_running"]
    message: str = Field(description="what will happen, for the athlete")


@tool(side_effect=True)
async def sync_garmin(deps: ToolDeps, args: SyncGarminInput) -> SyncGarminOutput:
    """Start a Garmin Connect sync in the background: new activities are downloaded as original FIT
    files and imported (with laps and per-second samples), and daily health (sleep stages and score,
    resting HR, HRV, body battery, stress, steps) is updated. Returns the job id; progress is visible with
    `garmin_status`. Only one sync runs per athlete at a time."""
    await require_integration(deps.session, deps.user_id, "garmin")
    running = await active_job(deps.session, deps.user_id, "garmin.sync")
    holder = await lock_holder(deps.redis or get_redis(), sync_lock_key(deps.user_id))
    stale = (
        running is not None
        and running.state == "running"
        and holder is None
        and running.started_at is not None
        and datetime.now(running.started_at.tzinfo) - running.started_at > timedelta(seconds=2 * LOCK_TTL_S)
    )
    if running is not None and not stale:
        return SyncGarminOutput(
            job_id=str(running.id),
            status="already_running",
            message="A Garmin sync is already queued or running; its progress shows in garmin_status.",
        )
    job_args: dict[str, Any] = {"days": args.days, "full_history": args.full_history}
    job = await enqueue(deps.session, "garmin.sync", job_args, user_id=deps.user_id)
    if args.full_history:
        scope = "your whole Garmin history (and, in the background, a year of sleep, HRV and resting HR)"
    elif args.days:
        scope = f"the last {args.days} days"
    else:
        scope = "everything since the last sync (90 days on the first sync)"
    return SyncGarminOutput(
        job_id=str(job.id),
        status="queued",
        message=(
            f"Garmin sync started: activities from {scope} will be downloaded as FIT files and imported, "
            "and sleep, HRV, resting heart rate, body battery, stress and steps will be updated. "
            "Already-imported activities are skipped."
        ),
    )


class GarminStatusInput(BaseModel):
    pass


class GarminStatusOutput(BaseModel):
    connected: bool
    status: str = Field(description="connected | needs_reauth | not_connected")
    display_name: str | None = None
    last_sync_at: datetime | None = None
    message: str
    last_run: SyncRunOut | None = None
    running_job: RunningJobOut | None = None


@tool()
async def garmin_status(deps: ToolDeps, args: GarminStatusInput) -> GarminStatusOutput:
    """Whether Garmin Connect is connected, when it last synced, what the last sync imported (and what
    failed), and the progress of a sync that is running now."""
    summary, settings = await connection_summary(
        deps.session,
        deps.user_id,
        "garmin",
        job_kind="garmin.sync",
        reauth_message="Garmin needs to be connected again.",
    )
    return GarminStatusOutput(**dict(summary), display_name=settings.get("display_name"))
