"""The activity feed: activities newest first, each with the coach's short comment and people's comments.

Whose activities (`FeedQuery`): your own (default), one athlete you coach (`athlete_id`), or every athlete
you coach (`athletes=true`). A coach's view is checked in the query itself (a join on an *active*
`coaching_links` row), so a revoked link shows nothing on the very next request, and an athlete who never
linked you is a 404 exactly like an id nobody has.

The coach's comment on each activity (`CoachComment`):
- on your own activities, the after-run message the coach actually sent you about it when there is one;
- otherwise RunCoach's computed comment (`tools.feed.comment`: numbers from the activity and your own
  earlier activities), composed and stored when the activity is processed, so it stays the same.
A coach viewing an athlete always gets the computed comment: the after-run message is written with the
athlete's whole context (sleep, HRV, notes), which the link does not grant.

Pagination is by a cursor on (start time, id), newest first: stable while activities are added.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Forbidden, InvalidInput, NotFound
from core.models import Activity, ActivityComment, CoachingLink, User
from tools.account.coaching import Person, coach_link, person
from tools.activities.activities import ActivitySummary, summarise
from tools.activities.detail import ActivityView, activity_view
from tools.deps import ToolDeps, user_zone
from tools.feed.comment import CommentFact
from tools.feed.comments import add_comment, after_run_messages, computed_comments, written_comments
from tools.feed.repository import Feed

DEFAULT_LIMIT = 20
MAX_LIMIT = 50


class FeedQuery(BaseModel):
    athlete_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="one athlete you coach (default: your own activities)"
    )
    athletes: bool = Field(default=False, description="every athlete you coach, merged")
    cursor: str | None = Field(default=None, max_length=200, description="`next_cursor` of the page before")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class CoachComment(BaseModel):
    source: Literal["after_run_message", "computed"] = Field(
        description="the after-run message sent to the athlete, or RunCoach's comment computed from data"
    )
    title: str | None
    text: str
    facts: list[CommentFact] = Field(description="computed comments: each sentence and its figure")
    created_at: datetime


class CommentOut(BaseModel):
    id: int
    author: Person
    body: str
    created_at: datetime
    by_me: bool
    can_delete: bool


class FeedItem(BaseModel):
    activity: ActivitySummary
    athlete: Person
    mine: bool = Field(description="your own activity")
    coach_comment: CoachComment
    comments: list[CommentOut]
    can_comment: bool
    can_view_details: bool


class FeedPage(BaseModel):
    items: list[FeedItem]
    next_cursor: str | None = Field(description="pass it back as `cursor` for older activities")


class FeedActivity(FeedItem):
    detail: ActivityView


@dataclass(frozen=True)
class Viewing:
    """What the viewer may do with one athlete's activities."""

    athlete: User
    mine: bool
    can_view_details: bool
    can_comment: bool


def encode_cursor(start_time: datetime, activity_id: int) -> str:
    raw = f"{start_time.isoformat()}|{activity_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, ident = raw.partition("|")
        start = datetime.fromisoformat(when)
        activity_id = int(ident)
        if start.tzinfo is None or not 0 < activity_id < 2**63:
            raise ValueError(raw)
        return start, activity_id
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise InvalidInput(
            "The feed cursor is not one this server gave out; load the feed again without it."
        ) from exc


def _viewing(viewer: User, athlete: User, link: CoachingLink | None) -> Viewing:
    if link is None:
        return Viewing(athlete=athlete, mine=True, can_view_details=True, can_comment=True)
    return Viewing(
        athlete=athlete, mine=False, can_view_details=link.can_view_details, can_comment=link.can_comment
    )


async def feed_athlete_ids(session: AsyncSession, viewer: User, query: FeedQuery) -> list[int]:
    """Whose activities this query shows (NotFound for an athlete who does not share with the viewer)."""
    if query.athlete_id is not None and query.athletes:
        raise InvalidInput("Ask for one athlete (`athlete_id`) or for all of them (`athletes`), not both.")
    if query.athletes:
        return await Feed(session, viewer.id).coached_athlete_ids()
    if query.athlete_id is None or query.athlete_id == viewer.id:
        return [viewer.id]
    await coach_link(session, viewer.id, query.athlete_id)
    return [query.athlete_id]


async def _items(session: AsyncSession, viewer: User, activities: list[Activity]) -> list[FeedItem]:
    feed = Feed(session, viewer.id)
    athlete_ids = sorted({a.user_id for a in activities})
    athletes = await feed.athletes(athlete_ids)
    links = await feed.links(athlete_ids)
    viewing = {
        i: _viewing(viewer, athletes[i], None if i == viewer.id else links[i])
        for i in athlete_ids
        if i == viewer.id or i in links
    }
    mine = [a for a in activities if a.user_id == viewer.id]
    messages = await after_run_messages(feed, [a.id for a in mine])
    computed = await computed_comments(feed, athletes, [a for a in activities if a.id not in messages])
    written = await written_comments(feed, [a.id for a in activities])
    items = []
    for activity in activities:
        view = viewing[activity.user_id]
        message = messages.get(activity.id)
        if message is not None:
            coach = CoachComment(
                source="after_run_message",
                title=message.title,
                text=message.body,
                facts=[],
                created_at=message.created_at,
            )
        else:
            stored = computed[activity.id]
            coach = CoachComment(
                source="computed",
                title=None,
                text=stored.body,
                facts=[CommentFact.model_validate(f) for f in stored.data.get("facts", [])],
                created_at=stored.created_at,
            )
        items.append(
            FeedItem(
                activity=summarise(activity, user_zone(view.athlete)),
                athlete=person(view.athlete),
                mine=view.mine,
                coach_comment=coach,
                comments=[_comment_out(viewer, view, c, author) for c, author in written[activity.id]],
                can_comment=view.can_comment,
                can_view_details=view.can_view_details,
            )
        )
    return items


def _comment_out(viewer: User, view: Viewing, comment: ActivityComment, author: User) -> CommentOut:
    by_me = comment.author_id == viewer.id
    return CommentOut(
        id=comment.id,
        author=person(author),
        body=comment.body,
        created_at=comment.created_at,
        by_me=by_me,
        can_delete=view.mine or by_me,
    )


async def feed_page(
    session: AsyncSession, viewer: User, query: FeedQuery, *, hide_sources: Sequence[str] = ()
) -> FeedPage:
    """One page of the feed, newest first (without activities from `hide_sources`)."""
    await feed_athlete_ids(session, viewer, query)
    rows = await Feed(session, viewer.id).activities(
        athlete_id=query.athlete_id,
        every_athlete=query.athletes,
        before=decode_cursor(query.cursor) if query.cursor else None,
        limit=query.limit + 1,
        hide_sources=hide_sources,
    )
    page, more = rows[: query.limit], len(rows) > query.limit
    last = page[-1] if page else None
    return FeedPage(
        items=await _items(session, viewer, page),
        next_cursor=encode_cursor(last.start_time, last.id) if more and last is not None else None,
    )


async def viewable_activity(
    session: AsyncSession, viewer: User, activity_id: int
) -> tuple[Activity, Viewing]:
    """An activity the viewer may see in the feed (their own, or an athlete's they coach), else NotFound
    worded exactly as for an id nobody has."""
    activity = await Feed(session, viewer.id).activity(activity_id)
    if activity is None:
        raise NotFound(f"No activity with id {activity_id}. List your activities to see the ids.")
    if activity.user_id == viewer.id:
        return activity, _viewing(viewer, viewer, None)
    link = await coach_link(session, viewer.id, activity.user_id)
    return activity, _viewing(viewer, await session.get_one(User, activity.user_id), link)


async def comment_on(
    session: AsyncSession, viewer: User, activity_id: int, body: str, now: datetime
) -> CommentOut:
    """The viewer's comment on an activity in their feed (a coach needs the athlete's `can_comment`)."""
    activity, view = await viewable_activity(session, viewer, activity_id)
    if not view.can_comment:
        raise Forbidden(
            f"{person(view.athlete).name} has not allowed you to comment. Ask them to grant comments."
        )
    comment = await add_comment(Feed(session, viewer.id), activity, body, now)
    return _comment_out(viewer, view, comment, viewer)


async def feed_activity(session: AsyncSession, viewer: User, activity_id: int) -> FeedActivity:
    """One activity with its comments and detail (a coach needs the athlete's `can_view_details`)."""
    activity, view = await viewable_activity(session, viewer, activity_id)
    if not view.can_view_details:
        raise Forbidden(
            f"{person(view.athlete).name} shares their activity list with you, not the details. "
            "Ask them to grant details."
        )
    (item,) = await _items(session, viewer, [activity])
    detail = await activity_view(ToolDeps.for_user(session, view.athlete), activity.id)
    return FeedActivity(**item.model_dump(), detail=detail)
