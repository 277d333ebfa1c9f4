"""The activity feed: your activities (or, for a coach, an athlete's) newest first with the coach's comment
on each, the comments people wrote, and writing one. Thin over `tools.feed`.

Conditional GET like the other lists (`api/etag.py`), except that the validator is made of the data versions
of everyone the page shows — the viewer and each athlete in it — so an athlete's import or a new comment
moves a coach's ETag too. Access is checked before the tag: a revoked coach gets a 404, never a 304.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import CurrentUser, RedisDep, RowId, SessionDep
from api.errors import problem_responses
from api.etag import CACHE_CONTROL, make_etag, matches
from core import data_versions as versions
from core.models import User
from tools.deps import user_zone
from tools.feed.comments import MAX_COMMENT_CHARS, delete_comment
from tools.feed.feed import (
    CommentOut,
    FeedActivity,
    FeedPage,
    FeedQuery,
    comment_on,
    feed_activity,
    feed_athlete_ids,
    feed_page,
)

TAGS = [{"name": "feed", "description": "The activity feed with the coach's comments; coach accounts"}]
router = APIRouter(prefix="/feed", tags=["feed"])


class NewComment(BaseModel):
    body: str = Field(min_length=1, max_length=MAX_COMMENT_CHARS)


async def _conditional(
    request: Request, response: Response, redis: RedisDep, viewer: User, athlete_ids: list[int]
) -> None:
    """ETag from the versions of the viewer and every athlete shown; 304 when the client has it."""
    ids = sorted({viewer.id, *athlete_ids})
    version = ",".join([f"{i}:{await versions.current(redis, i)}" for i in ids])
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    today = datetime.now(user_zone(viewer)).date().isoformat()
    etag = make_etag(version, user_id=viewer.id, today=today, target=target)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Authorization, Cookie"}
    if matches(request.headers.get("if-none-match"), etag):
        raise StarletteHTTPException(status.HTTP_304_NOT_MODIFIED, headers=headers)
    response.headers.update(headers)


@router.get(
    "",
    summary="The activity feed",
    description="Activities newest first, a page at a time (`cursor` = the previous page's `next_cursor`), "
    "each with the coach's short comment — the after-run message you were sent, or RunCoach's comment "
    "computed from the activity's numbers — and the comments your coach or you wrote. `athlete_id`: one "
    "athlete who shares their feed with you; `athletes=true`: all of them. Answers 304 to `If-None-Match`.",
    responses=problem_responses(404, 422),
)
async def get_feed(
    request: Request,
    response: Response,
    query: Annotated[FeedQuery, Query()],
    user: CurrentUser,
    session: SessionDep,
    redis: RedisDep,
) -> FeedPage:
    await _conditional(request, response, redis, user, await feed_athlete_ids(session, user, query))
    return await feed_page(session, user, query)


@router.get(
    "/activities/{activity_id}",
    summary="One activity of the feed, in detail",
    description="Your own activity, or one of an athlete who shares their feed with you and granted "
    "details: totals, laps, heart-rate zones, the coach's comment and people's comments.",
    responses=problem_responses(403, 404),
)
async def get_feed_activity(activity_id: RowId, user: CurrentUser, session: SessionDep) -> FeedActivity:
    return await feed_activity(session, user, activity_id)


@router.post(
    "/activities/{activity_id}/comments",
    status_code=status.HTTP_201_CREATED,
    summary="Comment on an activity",
    description="On your own activity, or as a coach on an athlete's who granted comments.",
    responses=problem_responses(403, 404, 422),
)
async def add_comment(
    activity_id: RowId, body: NewComment, user: CurrentUser, session: SessionDep
) -> CommentOut:
    return await comment_on(session, user, activity_id, body.body, datetime.now(UTC))


@router.delete(
    "/comments/{comment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a comment",
    description="Yours (while you still coach that athlete), or any comment on your own activities.",
    responses=problem_responses(404),
)
async def remove_comment(comment_id: RowId, user: CurrentUser, session: SessionDep) -> Response:
    await delete_comment(session, user, comment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
