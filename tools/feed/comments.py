"""Comments on activities: RunCoach's computed comment (made once, then kept) and the ones people write.

- `computed_comments` returns each activity's computed comment: the one stored when the activity was
  processed (`tools.feed.facts.keep_activity_facts`, at import and by `reprocess`). An activity processed
  before comments were stored there (or stored by a path that does not process it) gets one composed for
  the view from its stored facts and the athlete's history before it, dated when the activity ended, and not
  stored: a read writes nothing.
- `after_run_messages`: the after-run proactive message the coach actually sent for an activity
  (`tools.notifications`, trigger `after_run`, period `activity:<id>`), when there is one.
- `add_comment` / `delete_comment`: a person's comment. Access (who may comment where) is decided by the
  caller (`tools.feed.feed`) for adding; deleting checks it in the query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from core.models import Activity, ActivityComment, Notification, User
from tools.feed.comment import compose
from tools.feed.facts import comment_data, histories_before, stored_facts_of, units_of
from tools.feed.repository import Feed
from tools.notifications.preferences import Trigger
from tools.text_input import required_text

MAX_COMMENT_CHARS = 2000


def after_run_key(activity_id: int) -> str:
    """The period key the after-run trigger gives an activity's message (tools/notifications/triggers)."""
    return f"activity:{activity_id}"


async def after_run_messages(feed: Feed, activity_ids: Sequence[int]) -> dict[int, Notification]:
    """The after-run message stored for each of the viewer's own activities that has one."""
    keys = {after_run_key(i): i for i in activity_ids}
    found = await feed.own_messages(str(Trigger.AFTER_RUN), list(keys))
    return {keys[n.period_key]: n for n in found}


async def computed_comments(
    feed: Feed, athletes: Mapping[int, User], activities: Iterable[Activity]
) -> dict[int, ActivityComment]:
    """The computed comment of each activity (by id): stored, or composed for this view where missing."""
    wanted = {a.id: a for a in activities}
    comments = await feed.computed_comments(list(wanted))
    missing = [a for i, a in wanted.items() if i not in comments]
    if not missing:
        return comments
    facts = await stored_facts_of(feed.session, athletes, missing)
    histories = await histories_before(feed.session, missing)
    for activity in missing:
        comment = compose(facts[activity.id], histories[activity.id], units_of(athletes[activity.user_id]))
        comments[activity.id] = ActivityComment(  # not added to the session: nothing is written
            activity_id=activity.id,
            user_id=activity.user_id,
            author_id=None,
            kind="computed",
            body=comment.text,
            data=comment_data(comment),
            created_at=_ended(activity),  # the same on every view
        )
    return comments


def _ended(activity: Activity) -> datetime:
    return activity.start_time + timedelta(seconds=activity.elapsed_s or 0)


async def written_comments(
    feed: Feed, activity_ids: Sequence[int]
) -> dict[int, list[tuple[ActivityComment, User]]]:
    """People's comments on each activity, oldest first, with their authors."""
    out: dict[int, list[tuple[ActivityComment, User]]] = {i: [] for i in activity_ids}
    for comment, author in await feed.written_comments(activity_ids):
        out[comment.activity_id].append((comment, author))
    return out


def clean_body(body: str) -> str:
    return required_text(
        body,
        max_chars=MAX_COMMENT_CHARS,
        empty="Write something: the comment is empty.",
        too_long="Keep a comment under {max_chars} characters (this one has {length}).",
    )


async def add_comment(feed: Feed, activity: Activity, body: str, now: datetime) -> ActivityComment:
    """Store the viewer's comment on `activity` (access already checked by the caller)."""
    comment = feed.add_written(activity, clean_body(body), now)
    await feed.session.flush()
    return comment


async def delete_comment(session: AsyncSession, viewer: User, comment_id: int) -> None:
    """Delete a written comment: the athlete whose activity it is on may, and so may its author while
    still coaching that athlete. Both of them see it go (the unit of work bumps both data versions)."""
    comment = await Feed(session, viewer.id).deletable_comment(comment_id)
    if comment is None:
        raise NotFound(f"No comment {comment_id} of yours here. Open the activity to see its comments.")
    await session.delete(comment)
    await session.flush()
