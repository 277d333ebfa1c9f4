"""The coach's proactive messages (the web inbox) and the settings for them. Thin over
`tools.notifications`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import CurrentUser, SessionDep
from api.errors import problem_responses
from api.etag import conditional
from tools.notifications import store
from tools.notifications.preferences import (
    NotificationPreferences,
    PreferencesUpdate,
    get_preferences,
    merge_preferences,
    save_preferences,
)

TAGS = [{"name": "notifications", "description": "Proactive coach messages and when and where to get them"}]
router = APIRouter(prefix="/notifications", tags=["notifications"])


NotificationId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class MarkRead(BaseModel):
    ids: list[NotificationId] | None = Field(
        default=None, description="the notifications to mark read; null: all"
    )


class MarkedRead(BaseModel):
    marked: int


@router.get("", summary="Your notifications, newest first", dependencies=[conditional])
async def list_notifications(
    user: CurrentUser,
    session: SessionDep,
    unread: bool = Query(default=False, description="only unread ones"),
    limit: int = Query(default=50, ge=1, le=store.MAX_LIST),
) -> store.NotificationList:
    return await store.list_notifications(session, user.id, unread_only=unread, limit=limit)


@router.post(
    "/read",
    summary="Mark notifications read",
    description="Ids that are not yours, or already read, are ignored; the answer says how many changed.",
    responses=problem_responses(422),
)
async def mark_read(body: MarkRead, user: CurrentUser, session: SessionDep) -> MarkedRead:
    return MarkedRead(marked=await store.mark_read(session, user.id, ids=body.ids, now=datetime.now(UTC)))


@router.get("/preferences", summary="Which proactive messages you get, where and when")
async def get_notification_preferences(user: CurrentUser) -> NotificationPreferences:
    return get_preferences(user)


@router.put(
    "/preferences",
    summary="Change your notification preferences",
    description="Send the fields to change (`triggers` is merged key by key). Times are in your own time "
    "zone; quiet hours may cross midnight; `quiet_hours: null` turns them off. An invalid value is a 422 "
    "naming the field, and nothing changes.",
    responses=problem_responses(422),
)
async def put_notification_preferences(
    body: PreferencesUpdate, user: CurrentUser, session: SessionDep
) -> NotificationPreferences:
    prefs = merge_preferences(get_preferences(user), body.patch())
    await save_preferences(session, user, prefs)
    return prefs
