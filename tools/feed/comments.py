"""Comments on activities: RunCoach's computed comment (made once, then kept) and the ones people write.

- `computed_comments` returns the stored computed comment of each activity, composing and storing the
  missing ones (`INSERT … ON CONFLICT DO NOTHING` on the one-per-activity index, so two readers at once
  store one). It changes no data version: the comment is a function of data that is already versioned.
  The activity's own facts are stored at import (`tools.feed.facts.keep_activity_facts`), so the first
  view reads them and the athlete's history before the activity (two small queries), then composes.
- `after_run_messages`: the after-run proactive message the coach actually sent for an activity
  (`tools.notifications`, trigger `after_run`, period `activity:<id>`), when there is one.
- `add_comment` / `delete_comment`: a person's comment. Access (who may comment where) is decided by the
  caller (`tools.feed.feed`); these only write, scoped by the activity's owner.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core import data_versions as versions
from core.errors import InvalidInput, NotFound
from core.models import Activity, ActivityComment, CoachingLink, Notification, User
from tools.feed.comment import Units, compose
from tools.feed.facts import histories_before, stored_facts_of
from tools.notifications.preferences import Trigger

MAX_COMMENT_CHARS = 2000


def after_run_key(activity_id: int) -> str:
    """The period key the after-run trigger gives an activity's message (tools/notifications/triggers)."""
    return f"activity:{activity_id}"


async def after_run_messages(
    session: AsyncSession, athlete_id: int, activity_ids: Sequence[int]
) -> dict[int, Notification]:
    """The after-run message stored for each of the athlete's activities that has one."""
    if not activity_ids:
        return {}
    keys = {after_run_key(i): i for i in activity_ids}
    rows = (
        await session.execute(
            select(Notification).where(
                Notification.user_id == athlete_id,
                Notification.trigger == str(Trigger.AFTER_RUN),
                Notification.period_key.in_(list(keys)),
            )
        )
    ).scalars()
    return {keys[n.period_key]: n for n in rows}


def _units(athlete: User) -> Units:
    return "imperial" if athlete.units == "imperial" else "metric"


async def computed_comments(
    session: AsyncSession, athletes: Mapping[int, User], activities: Iterable[Activity]
) -> dict[int, ActivityComment]:
    """The computed comment of each activity (by id), composed and stored first where missing."""
    wanted = {a.id: a for a in activities}
    if not wanted:
        return {}
    stored = {
        c.activity_id: c
        for c in (
            await session.execute(
                select(ActivityComment).where(
                    ActivityComment.activity_id.in_(list(wanted)), ActivityComment.kind == "computed"
                )
            )
        ).scalars()
    }
    missing = [a for i, a in wanted.items() if i not in stored]
    if not missing:
        return stored
    facts = await stored_facts_of(session, athletes, missing)
    histories = await histories_before(session, missing)
    rows = []
    for activity in missing:
        comment = compose(facts[activity.id], histories[activity.id], _units(athletes[activity.user_id]))
        rows.append(
            {
                "activity_id": activity.id,
                "user_id": activity.user_id,
                "author_id": None,
                "kind": "computed",
                "body": comment.text,
                "data": {"facts": [f.model_dump() for f in comment.facts]},
            }
        )
    await session.execute(
        insert(ActivityComment)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["activity_id"], index_where=text("kind = 'computed'"))
    )
    found = await session.execute(
        select(ActivityComment).where(
            ActivityComment.activity_id.in_([a.id for a in missing]), ActivityComment.kind == "computed"
        )
    )
    stored.update({c.activity_id: c for c in found.scalars()})
    return stored


async def forget_computed(session: AsyncSession, activity_id: int) -> None:
    """Drop the stored computed comment of an activity whose data changed (a re-process): the next view
    composes it again from the new numbers. Written comments stay."""
    await session.execute(
        delete(ActivityComment).where(
            ActivityComment.activity_id == activity_id, ActivityComment.kind == "computed"
        )
    )


async def written_comments(
    session: AsyncSession, activity_ids: Sequence[int]
) -> dict[int, list[tuple[ActivityComment, User]]]:
    """People's comments on each activity, oldest first, with their authors."""
    out: dict[int, list[tuple[ActivityComment, User]]] = {i: [] for i in activity_ids}
    if not activity_ids:
        return out
    rows = await session.execute(
        select(ActivityComment, User)
        .join(User, User.id == ActivityComment.author_id)
        .where(ActivityComment.activity_id.in_(list(activity_ids)), ActivityComment.kind == "written")
        .order_by(ActivityComment.created_at, ActivityComment.id)
    )
    for comment, author in rows.all():
        out[comment.activity_id].append((comment, author))
    return out


def clean_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise InvalidInput("Write something: the comment is empty.")
    if len(text) > MAX_COMMENT_CHARS:
        raise InvalidInput(f"Keep a comment under {MAX_COMMENT_CHARS} characters (this one has {len(text)}).")
    return text


async def add_comment(
    session: AsyncSession, author: User, activity: Activity, body: str, now: datetime
) -> ActivityComment:
    """Store `author`'s comment on `activity` (access already checked by the caller)."""
    comment = ActivityComment(
        activity_id=activity.id,
        user_id=activity.user_id,
        author_id=author.id,
        kind="written",
        body=clean_body(body),
        created_at=now,
    )
    session.add(comment)
    await session.flush()
    return comment


def _still_coaching(coach_id: int) -> ColumnElement[bool]:
    """The comment's athlete still has an active link to `coach_id` (a revoked coach can no longer touch
    anything of theirs, not even their own old comments)."""
    return (
        select(CoachingLink.id)
        .where(
            CoachingLink.coach_id == coach_id,
            CoachingLink.athlete_id == ActivityComment.user_id,
            CoachingLink.status == "active",
        )
        .exists()
    )


async def delete_comment(session: AsyncSession, viewer: User, comment_id: int) -> None:
    """Delete a written comment: the athlete whose activity it is on may, and so may its author while
    still coaching that athlete."""
    deleted = (
        await session.execute(
            delete(ActivityComment)
            .where(
                ActivityComment.id == comment_id,
                ActivityComment.kind == "written",
                (ActivityComment.user_id == viewer.id)
                | ((ActivityComment.author_id == viewer.id) & _still_coaching(viewer.id)),
            )
            .returning(ActivityComment.user_id, ActivityComment.author_id)
        )
    ).first()
    if deleted is None:
        raise NotFound(f"No comment {comment_id} of yours here. Open the activity to see its comments.")
    for user_id in {deleted[0], deleted[1]}:  # the WHERE names only the viewer; the other side sees it too
        if user_id is not None:
            versions.changed(session, user_id)
