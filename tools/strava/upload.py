"""Upload one activity's original FIT file to Strava, poll until Strava has processed it, and link the
Strava activity (`Activity.strava_activity_id`).

An upload never happens twice:
- an activity already linked to Strava (uploaded before, imported from Strava, or matched by an import)
  is not uploaded again;
- the job runs under an idempotency key per activity (`strava.upload:<activity id>`);
- the Strava upload id is committed on the job row (`progress.upload_id`) the moment Strava accepts the
  file, so a retry (after a 429 while polling, a timeout, a crash) resumes polling that upload instead of
  sending the file again;
- if Strava answers "duplicate of activity N" (the file reached Strava another way, e.g. Garmin's own
  Strava sync, or an earlier upload whose answer was lost), N is linked instead of failing.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import session_scope
from core.errors import IntegrationError, InvalidInput, NotFound, ServiceUnavailable
from core.models import Activity
from core.queue.records import set_progress
from core.settings import get_settings
from tools.activities.originals import load_original
from tools.strava.client import StravaConnection, open_strava

READY_STATUS_DELETED = "The created activity has been deleted."
_LINK = re.compile(r"/activities/(\d+)")
_TEXT = re.compile(r"duplicate of\s+(?:activity\s+)?(\d+)", re.IGNORECASE)


class StravaUploadResult(BaseModel):
    activity_id: int
    strava_activity_id: int
    status: Literal["uploaded", "duplicate_linked", "already_on_strava"]
    upload_id: int | None = None
    message: str


def duplicate_of(error: str) -> int | None:
    """The Strava activity id in an upload error such as "x.fit duplicate of activity 123" or
    "x.fit duplicate of <a href='https://www.strava.com/activities/123' …>123</a>"."""
    if "duplicate" not in error.lower():
        return None
    match = _LINK.search(error) or _TEXT.search(error)
    return int(match.group(1)) if match else None


async def _owned_activity(session: AsyncSession, user_id: int, activity_id: int) -> Activity:
    activity = await session.get(Activity, activity_id)
    if activity is None or activity.user_id != user_id:
        raise NotFound(f"Activity {activity_id} does not exist or is not yours.")
    return activity


def _already(activity: Activity) -> StravaUploadResult | None:
    if (
        activity.strava_activity_id is None
        and activity.source == "strava"
        and (activity.external_id or "").isdigit()
    ):
        activity.strava_activity_id = int(activity.external_id or 0)
    if activity.strava_activity_id is None:
        return None
    return StravaUploadResult(
        activity_id=activity.id,
        strava_activity_id=activity.strava_activity_id,
        status="already_on_strava",
        message=f"This activity is already on Strava (activity {activity.strava_activity_id}).",
    )


async def check_uploadable(session: AsyncSession, user_id: int, activity_id: int) -> tuple[Activity, bool]:
    """(activity, already on Strava?) — raises if it cannot be uploaded at all."""
    activity = await _owned_activity(session, user_id, activity_id)
    if _already(activity) is not None:
        return activity, True
    if activity.parent_id is not None:
        raise InvalidInput("This is one leg of a multisport activity; upload the whole activity instead.")
    if not activity.file_sha256:
        raise InvalidInput(
            f"Activity {activity_id} has no original FIT file here (it was not imported from a file), "
            "so there is nothing to upload to Strava."
        )
    return activity, False


async def _remember_upload(job_id: uuid.UUID | None, upload_id: int) -> None:
    if job_id is None:
        return
    async with session_scope() as session:
        await set_progress(session, job_id, upload_id=upload_id, phase="processing")


async def _send(conn: StravaConnection, activity: Activity, data: bytes) -> dict[str, Any]:
    params: dict[str, Any] = {"data_type": "fit", "external_id": f"runcoach-{activity.id}"}
    if activity.name:
        params["name"] = activity.name
    body = await conn.call(
        conn.api.protocol.post,
        "/uploads",
        files={"file": (f"runcoach-{activity.id}.fit", data)},
        check_for_errors=False,
        what="the upload",
        **params,
    )
    await conn.check_answer(body, what="the upload")
    return body if isinstance(body, dict) else {}


async def _poll(conn: StravaConnection, upload_id: int) -> dict[str, Any]:
    body = await conn.call(
        conn.api.protocol.get,
        "/uploads/{upload_id}",
        upload_id=upload_id,
        check_for_errors=False,
        what="the upload status",
    )
    await conn.check_answer(body, what="the upload status")
    return body if isinstance(body, dict) else {}


def _settled(body: dict[str, Any]) -> tuple[int, bool] | None:
    """(Strava activity id, was it a duplicate) once Strava has decided; None while processing."""
    if body.get("activity_id"):
        return int(body["activity_id"]), False
    error = body.get("error") or ""
    if isinstance(body.get("errors"), list) and body["errors"] and not error:
        error = "; ".join(str(e) for e in body["errors"])
    if error:
        existing = duplicate_of(str(error))
        if existing is not None:
            return existing, True
        raise IntegrationError(f"Strava could not take this file: {error}")
    if body.get("status") == READY_STATUS_DELETED:
        raise IntegrationError("Strava created the activity and it was deleted there; nothing was linked.")
    return None


async def upload_activity_to_strava(
    session: AsyncSession,
    user_id: int,
    activity_id: int,
    *,
    job_id: uuid.UUID | None = None,
    upload_id: int | None = None,
) -> StravaUploadResult:
    """Upload (or resume polling `upload_id`) and link the Strava activity on the row. Flushes; the job's
    unit of work commits the link with the job's success."""
    settings = get_settings()
    activity, on_strava = await check_uploadable(session, user_id, activity_id)
    if on_strava:
        result = _already(activity)
        assert result is not None
        await session.flush()
        return result
    conn = await open_strava(user_id, need_scope="activity:write")
    if upload_id is None:
        data = await asyncio.to_thread(load_original, activity.file_sha256 or "")
        body = await _send(conn, activity, data)
        settled = _settled(body)
        if settled is None:
            if not body.get("id"):
                raise IntegrationError(f"Strava accepted the upload without an upload id: {body}")
            upload_id = int(body["id"])
            await _remember_upload(job_id, upload_id)
    else:
        settled = None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.strava_upload_timeout_s
    while settled is None:
        assert upload_id is not None
        await asyncio.sleep(settings.strava_upload_poll_s)
        settled = _settled(await _poll(conn, upload_id))
        if settled is None and loop.time() > deadline:
            raise ServiceUnavailable(
                "Strava is still processing the upload; RunCoach will check again shortly."
            )
    strava_id, duplicate = settled
    activity.strava_activity_id = strava_id
    await session.flush()
    if duplicate:
        message = (
            f"Strava already had this activity (activity {strava_id}); "
            "it is now linked, nothing was uploaded twice."
        )
    else:
        message = f"Uploaded to Strava as activity {strava_id}."
    return StravaUploadResult(
        activity_id=activity.id,
        strava_activity_id=strava_id,
        status="duplicate_linked" if duplicate else "uploaded",
        upload_id=upload_id,
        message=message,
    )
