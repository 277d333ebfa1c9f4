"""Strava webhook: the subscription handshake and what each event does.

Handshake (GET): `hub.mode=subscribe`, `hub.verify_token` equal to ours, `hub.challenge` echoed back as
`{"hub.challenge": …}`. A wrong token is refused (403); a server without a verify token has no webhook (404).

Events (POST; Strava wants a 200 within 2 s and retries anything else up to three times in all):

- activity create: queue a `strava.activity` import job for each connected account of the owner; the
  idempotency key is per user and activity, so the same event twice is one job.
- activity update: `title` → the stored name; `type` → sport and load, only for activities that came from
  Strava (a FIT file's own sport stays); `private` is not stored. Not stored yet → imported, as on create.
- activity delete: nothing is deleted (deleting the athlete's data needs their own action). An activity
  that came from Strava stays and the athlete gets an inbox notice saying so, once; one that is only
  linked to Strava (from a FIT file or Garmin) loses the link.
- athlete update with `authorized: "false"`: the athlete may have revoked our access. Strava does not sign
  its events, so anyone who knows the callback URL could post this one: it only queues a
  `strava.check_access` job, which asks Strava with the athlete's token. Only Strava's own refusal marks
  the connection `needs_reauth` (with a message saying access was removed); the imported data stays.

Ignored with a 200 and a log line (answering an error would only make Strava send it again): an event for
another subscription (see `strava_subscription.is_our_subscription`), an owner no account has connected, a
connection that needs to be connected again, event kinds Strava may add later.
"""

from __future__ import annotations

import hmac
import logging
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Forbidden, InvalidInput, NotFound, ReauthRequired
from core.models import Activity, Integration
from core.queue.outbox import enqueue
from core.settings import Settings
from tools.integrations.credentials import CONNECTED, record_needs_reauth
from tools.integrations.push.receipt import PushReceipt
from tools.integrations.push.strava_subscription import is_our_subscription
from tools.integrations.repository import connections_of_account
from tools.notifications.preferences import Channel
from tools.notifications.store import create_notification
from tools.strava.activities import sport_of
from tools.strava.client import open_strava
from tools.strava.repository import strava_copies
from tools.training_load.activity import compute_activity_load

log = logging.getLogger(__name__)

IMPORT_JOB = "strava.activity"
ACCESS_JOB = "strava.check_access"
IMPORT_MAX_ATTEMPTS = 8  # it waits (with backoff) while a full Strava import runs for the athlete
DELETED_TRIGGER = "strava_deleted"
REVOKED_MESSAGE = (
    "You removed RunCoach's access on Strava, so nothing more is imported from there; what was imported "
    "stays. Connect Strava again in Settings to resume."
)
BIGINT = 2**63 - 1

NOT_ENABLED = (
    "The Strava webhook is not enabled on this server (RUNCOACH_STRAVA_WEBHOOK_VERIFY_TOKEN is unset)."
)


class StravaEvent(BaseModel):
    """One webhook event, as Strava posts it."""

    model_config = ConfigDict(extra="ignore")

    object_type: str = Field(max_length=32, description='"activity" or "athlete"')
    object_id: int = Field(ge=1, le=BIGINT, description="the activity's id, or the athlete's")
    aspect_type: str = Field(max_length=32, description='"create", "update" or "delete"')
    owner_id: int = Field(ge=1, le=BIGINT, description="the athlete's id")
    subscription_id: int = Field(ge=0, le=BIGINT)
    event_time: int = Field(ge=0, le=BIGINT, description="seconds since the epoch")
    updates: dict[str, Any] = Field(
        default_factory=dict, description='activity: "title", "type", "private"; athlete: "authorized"'
    )


def answer_handshake(
    settings: Settings, *, mode: str | None, verify_token: str | None, challenge: str | None
) -> dict[str, str]:
    """Strava's subscription check: echo the challenge when the verify token is ours."""
    expected = settings.strava_webhook_verify_token
    if expected is None:
        raise NotFound(NOT_ENABLED)
    if mode != "subscribe" or not challenge:
        raise InvalidInput(
            "This is Strava's subscription check: it needs hub.mode=subscribe, hub.challenge and "
            "hub.verify_token in the query string."
        )
    if verify_token is None or not hmac.compare_digest(
        verify_token.encode(), expected.get_secret_value().encode()
    ):
        raise Forbidden(
            "The verify token does not match RUNCOACH_STRAVA_WEBHOOK_VERIFY_TOKEN: subscribe with the same "
            "token this server has."
        )
    return {"hub.challenge": challenge}


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1")


async def handle_event(
    session: AsyncSession, redis: Redis, settings: Settings, event: StravaEvent
) -> PushReceipt:
    """Act on one event (see the module docstring). Flushes; the caller's unit of work commits (and the
    jobs are sent after it)."""
    if settings.strava_webhook_verify_token is None:
        raise NotFound(NOT_ENABLED)
    kind = f"{event.object_type} {event.aspect_type}"
    ours = await is_our_subscription(redis, settings, event.subscription_id)
    if ours is False:
        log.warning("ignored a Strava %s event for subscription %s (not ours)", kind, event.subscription_id)
        return PushReceipt(status="ignored", detail="This event is for another subscription.")
    integrations = await connections_of_account(session, "strava", str(event.owner_id))
    if not integrations:
        log.info("ignored a Strava %s event: athlete %s has not connected RunCoach", kind, event.owner_id)
        return PushReceipt(status="ignored", detail="No account here has connected this Strava athlete.")
    if event.object_type == "athlete":
        if (
            event.aspect_type == "update"
            and "authorized" in event.updates
            and not _truthy(event.updates["authorized"])
        ):
            return await _queue_access_check(session, integrations, event)
        return _ignored(kind)
    if event.object_type != "activity":
        return _ignored(kind)
    connected = [i for i in integrations if i.status == CONNECTED]
    if event.aspect_type == "create":
        return await _queue_import(session, connected, event.object_id)
    if event.aspect_type == "update":
        return await _update(session, connected, event)
    if event.aspect_type == "delete":
        return await _deleted(session, integrations, event.object_id)
    return _ignored(kind)


async def _queue_access_check(
    session: AsyncSession, integrations: list[Integration], event: StravaEvent
) -> PushReceipt:
    job_ids = []
    for integration in integrations:
        if integration.status != CONNECTED:
            continue
        job = await enqueue(
            session,
            ACCESS_JOB,
            {},
            user_id=integration.user_id,
            idempotency_key=f"{ACCESS_JOB}:{integration.user_id}:{event.event_time}",
        )
        job_ids.append(str(job.id))
    log.info("Strava says athlete %s revoked RunCoach's access; checking with Strava", event.owner_id)
    return PushReceipt(
        status="queued",
        detail="RunCoach asks Strava whether its access was removed, and marks the connection if so.",
        job_ids=job_ids,
    )


async def check_access(user_id: int) -> dict[str, Any]:
    """After an athlete's "authorized: false" event: does Strava still accept our token? Only Strava's own
    refusal (401, or a refused token refresh) marks the connection; a 5xx or 429 fails the job, which
    retries."""
    try:
        conn = await open_strava(user_id)
        await conn.call(conn.api.get_athlete, what="your Strava profile")
    except ReauthRequired:
        await record_needs_reauth(user_id, "strava", REVOKED_MESSAGE)
        log.info("Strava confirmed that user %s removed RunCoach's access", user_id)
        return {"revoked": True}
    log.warning("a Strava deauthorization event for user %s was not confirmed by Strava; ignored", user_id)
    return {"revoked": False}


def _ignored(kind: str) -> PushReceipt:
    log.info("ignored a Strava %s event (nothing to do)", kind)
    return PushReceipt(status="ignored", detail=f"RunCoach does nothing on a {kind} event.")


async def _queue_import(
    session: AsyncSession, integrations: list[Integration], strava_id: int
) -> PushReceipt:
    if not integrations:
        return PushReceipt(status="ignored", detail="The Strava connection needs to be connected again.")
    job_ids = []
    for integration in integrations:
        job = await enqueue(
            session,
            IMPORT_JOB,
            {"activity_id": strava_id},
            user_id=integration.user_id,
            idempotency_key=f"{IMPORT_JOB}:{integration.user_id}:{strava_id}",
            max_attempts=IMPORT_MAX_ATTEMPTS,
        )
        job_ids.append(str(job.id))
    return PushReceipt(status="queued", detail=f"Importing Strava activity {strava_id}.", job_ids=job_ids)


async def _update(session: AsyncSession, integrations: list[Integration], event: StravaEvent) -> PushReceipt:
    title = event.updates.get("title")
    new_type = event.updates.get("type")
    missing: list[Integration] = []
    changed = 0
    for integration in integrations:
        activities = await strava_copies(session, integration.user_id, event.object_id)
        if not activities:
            missing.append(integration)
            continue
        for activity in activities:
            if await _apply(session, activity, title, new_type):
                changed += 1
    await session.flush()
    job_ids: list[str] = []
    if missing:  # not imported yet (or never): import it now, with what Strava has at that moment
        queued = await _queue_import(session, missing, event.object_id)
        if changed == 0:
            return queued
        job_ids = queued.job_ids
    if changed == 0:
        return PushReceipt(
            status="ignored", detail="Nothing RunCoach stores changed (privacy is not stored)."
        )
    plural = "y" if changed == 1 else "ies"
    return PushReceipt(status="updated", detail=f"Updated {changed} stored activit{plural}.", job_ids=job_ids)


async def _apply(session: AsyncSession, activity: Activity, title: Any, new_type: Any) -> bool:
    """Strava's new title and type on the stored activity; True if anything changed."""
    changed = False
    if isinstance(title, str) and title.strip() and title.strip()[:200] != activity.name:
        activity.name = title.strip()[:200]
        changed = True
    if isinstance(new_type, str) and new_type and activity.source == "strava":
        sport, sub_sport = sport_of(SimpleNamespace(sport_type=new_type, type=None))
        if (sport, sub_sport) != (activity.sport, activity.sub_sport):
            activity.sport, activity.sub_sport = sport, sub_sport
            await compute_activity_load(session, activity)  # the load method depends on the sport
            changed = True
    return changed


async def _deleted(session: AsyncSession, integrations: list[Integration], strava_id: int) -> PushReceipt:
    noticed = unlinked = 0
    for integration in integrations:
        for activity in await strava_copies(session, integration.user_id, strava_id):
            if activity.source != "strava":  # ours from a file or Garmin, only linked: forget the link
                activity.strava_activity_id = None
                unlinked += 1
                continue
            when = activity.start_time.strftime("%d %b %Y")
            name = activity.name or "an activity"
            await create_notification(
                session,
                activity.user_id,
                trigger=DELETED_TRIGGER,
                period_key=str(strava_id),
                title=f"Deleted on Strava: {name}",
                body=(
                    f"“{name}” ({when}) was deleted on Strava. RunCoach keeps its copy, with its samples "
                    "and training load. If you want it gone here too, delete it from the activity page."
                ),
                channels=[Channel.WEB],
                now=datetime.now(UTC),
                data={"activity_id": activity.id, "strava_activity_id": strava_id},
            )
            noticed += 1
    await session.flush()
    if noticed == unlinked == 0:
        return PushReceipt(status="ignored", detail="RunCoach has no copy of that activity.")
    return PushReceipt(
        status="recorded",
        detail=f"Kept {noticed} activit{'y' if noticed == 1 else 'ies'} and told the athlete; "
        f"unlinked {unlinked} from Strava. Nothing was deleted.",
    )
