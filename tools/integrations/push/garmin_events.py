"""Garmin push notifications → a Garmin sync for the athlete (the endpoint shape of Garmin's official
Activity/Health API, behind `RUNCOACH_GARMIN_PUSH_TOKEN`).

Garmin's API posts, per summary type, either the summaries themselves (push:
`{"activities": [{"userId", "userAccessToken", "summaryId", "activityId", "startTimeInSeconds", …}]}`) or
pings pointing at a file to fetch (`{"activityFiles": [{"userId", "userAccessToken", "summaryId",
"fileType", "callbackURL", "startTimeInSeconds"}]}`). RunCoach signs in to Garmin Connect as the athlete
(garminconnect), not as a Health API partner, so it does not fetch `callbackURL` (it would need partner
keys): a notification only says *this athlete has something new*, and the existing `garmin.sync` job
fetches it the way polling does — original FIT file, same importer, same dedup — from the oldest pushed
start time on. `userAccessToken` and `callbackURL` are neither stored nor logged.

- Who: `userId` is matched to the Garmin profile id stored when the athlete connected
  (`Integration.external_id`). Garmin's partner API has its own user ids; a deployment bridging it must send
  the profile id, or store the partner id there.
- Coalescing: a sync already queued (or waiting to retry) whose window covers the pushed activities is
  reused; otherwise a new one is queued (`trigger: "push"`), which waits for a running sync instead of
  failing, because the running one may have listed activities before this one existed. Look-then-enqueue
  holds the same per-user Redis lock as the "sync now" button.
- Unknown users and summary types other than activities are ignored with a 200 (Garmin retries errors).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import CoachError, ServiceUnavailable
from core.queue.outbox import enqueue
from tools.integrations.credentials import CONNECTED
from tools.integrations.locks import hold_lock
from tools.integrations.push.receipt import PushReceipt
from tools.integrations.repository import active_job, connections_of_account
from tools.integrations.sync_start import START_LOCK_TTL_S, START_LOCK_WAIT_S, start_lock_key

log = logging.getLogger(__name__)

SYNC_JOB = "garmin.sync"
SYNC_MAX_ATTEMPTS = 8  # a pushed sync waits (with backoff) while another sync runs for the athlete
MAX_NOTICES = 1000
MAX_DAYS = 36500

GarminUserId = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v)]


class GarminActivityNotice(BaseModel):
    """One activity summary (push) or activity file ping; only what RunCoach uses is kept."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    user_id: GarminUserId = Field(alias="userId", min_length=1, max_length=128)
    summary_id: str | None = Field(default=None, alias="summaryId", max_length=128)
    activity_id: int | None = Field(default=None, alias="activityId")
    start_time_s: int | None = Field(default=None, alias="startTimeInSeconds", ge=0, le=2**40)
    file_type: str | None = Field(default=None, alias="fileType", max_length=16)


class GarminPush(BaseModel):
    """The body Garmin posts to a summary type's endpoint. Other summary types (dailies, sleeps, …) are
    accepted and ignored."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    activities: list[GarminActivityNotice] = Field(default_factory=list, max_length=MAX_NOTICES)
    activity_details: list[GarminActivityNotice] = Field(
        default_factory=list, alias="activityDetails", max_length=MAX_NOTICES
    )
    activity_files: list[GarminActivityNotice] = Field(
        default_factory=list, alias="activityFiles", max_length=MAX_NOTICES
    )
    manually_updated: list[GarminActivityNotice] = Field(
        default_factory=list, alias="manuallyUpdatedActivities", max_length=MAX_NOTICES
    )

    def notices(self) -> list[GarminActivityNotice]:
        return [*self.activities, *self.activity_details, *self.activity_files, *self.manually_updated]


def days_back(notices: list[GarminActivityNotice], now: datetime) -> int | None:
    """Days a sync must reach back to cover the oldest pushed start (None: no start given)."""
    starts = [n.start_time_s for n in notices if n.start_time_s is not None]
    if not starts:
        return None
    oldest = datetime.fromtimestamp(min(starts), UTC).date()
    return max(1, min(MAX_DAYS, (now.date() - oldest).days + 1))


def _covers(job_args: dict[str, Any], days: int | None) -> bool:
    if job_args.get("full_history"):
        return True
    if days is None:
        return True
    queued_days = job_args.get("days")
    return queued_days is not None and int(queued_days) >= days


def _busy(_holder: str | None) -> CoachError:
    return ServiceUnavailable(
        "Another request is starting a Garmin sync for this athlete; Garmin will retry."
    )


async def handle_push(session: AsyncSession, redis: Redis, push: GarminPush) -> PushReceipt:
    """Queue (or reuse) a Garmin sync for each athlete the notification names."""
    notices = push.notices()
    if not notices:
        return PushReceipt(status="ignored", detail="No activity notifications in this push.")
    by_user: dict[str, list[GarminActivityNotice]] = {}
    for notice in notices:
        by_user.setdefault(notice.user_id, []).append(notice)
    now = datetime.now(UTC)
    job_ids: list[str] = []
    unknown = 0
    for garmin_user, theirs in by_user.items():
        integrations = [
            i for i in await connections_of_account(session, "garmin", garmin_user) if i.status == CONNECTED
        ]
        if not integrations:
            unknown += 1
            log.info(
                "ignored %d Garmin push notice(s): no connected account for that Garmin user", len(theirs)
            )
            continue
        days = days_back(theirs, now)
        for integration in integrations:
            job_ids.append(await _sync_for(session, redis, integration.user_id, days))
    if not job_ids:
        return PushReceipt(status="ignored", detail="No account here has connected that Garmin user.")
    detail = f"Garmin sync queued for {len(job_ids)} account(s)."
    if unknown:
        detail += f" {unknown} unknown Garmin user(s) ignored."
    return PushReceipt(status="queued", detail=detail, job_ids=list(dict.fromkeys(job_ids)))


async def _sync_for(session: AsyncSession, redis: Redis, user_id: int, days: int | None) -> str:
    async with hold_lock(
        redis,
        start_lock_key(user_id, "garmin"),
        ttl_s=START_LOCK_TTL_S,
        owner="garmin-push",
        busy=_busy,
        wait_s=START_LOCK_WAIT_S,
    ):
        active = await active_job(session, user_id, SYNC_JOB)
        if active is not None and active.state in ("queued", "retrying") and _covers(active.args, days):
            return str(active.id)  # it lists Garmin's activities after this push arrived
        job = await enqueue(
            session,
            SYNC_JOB,
            {"days": days, "full_history": False, "trigger": "push"},
            user_id=user_id,
            max_attempts=SYNC_MAX_ATTEMPTS,
        )
        return str(job.id)
