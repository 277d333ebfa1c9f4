"""Every statement of the feed, for one viewer (`Feed(session, viewer_id)`): the viewer's own activities and
those of the athletes who have an *active* coaching link to them, checked in each query itself, so a revoked
link shows nothing on the very next statement and an athlete who never linked the viewer is absent exactly
like an id nobody has.

Comments on activities (`activity_comments`) are the activity owner's rows (`user_id`); a written one also
names its author. The computed comment (one per activity) is written when the activity is processed
(`keep_computed_comment`, by `tools.feed.facts.keep_activity_facts`), never by a read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from core.models import Activity, ActivityComment, CoachingLink, Notification, User


class Feed:
    """What one viewer's feed reads and writes."""

    def __init__(self, session: AsyncSession, viewer_id: int) -> None:
        self.session = session
        self.viewer_id = viewer_id

    def coached(self) -> Select[int]:
        """The athletes with an active link to the viewer (a subquery, so access is checked in the query)."""
        return select(CoachingLink.athlete_id).where(
            CoachingLink.coach_id == self.viewer_id, CoachingLink.status == "active"
        )

    def _shared(self, owner: InstrumentedAttribute[int]) -> ColumnElement[bool]:
        """Rows the viewer may read: their own, or an athlete's they coach."""
        return (owner == self.viewer_id) | owner.in_(self.coached())

    async def coached_athlete_ids(self) -> list[int]:
        return sorted(set((await self.session.scalars(self.coached())).all()))

    def _scope(self, athlete_id: int | None, every_athlete: bool) -> ColumnElement[bool]:
        if not every_athlete and (athlete_id is None or athlete_id == self.viewer_id):
            return Activity.user_id == self.viewer_id
        linked = self.coached()
        if athlete_id is not None:
            linked = linked.where(CoachingLink.athlete_id == athlete_id)
        return Activity.user_id.in_(linked)

    async def activities(
        self,
        *,
        athlete_id: int | None,
        every_athlete: bool,
        before: tuple[datetime, int] | None,
        limit: int,
        hide_sources: Sequence[str] = (),
    ) -> list[Activity]:
        """Top-level activities of the viewer (default), of one athlete they coach, or of every athlete they
        coach, older than `before` (start time, id), newest first, none from `hide_sources`."""
        stmt = (
            select(Activity)
            .where(
                self._scope(athlete_id, every_athlete),
                Activity.parent_id.is_(None),
                Activity.source.not_in(hide_sources),
            )
            .order_by(Activity.start_time.desc(), Activity.id.desc())
            .limit(limit)
        )
        if before is not None:
            stmt = stmt.where(tuple_(Activity.start_time, Activity.id) < tuple_(*before))
        return list((await self.session.scalars(stmt)).all())

    async def activity(self, activity_id: int) -> Activity | None:
        """The activity if the viewer may see it in the feed."""
        return await self.session.scalar(
            select(Activity).where(Activity.id == activity_id, self._shared(Activity.user_id))
        )

    async def athletes(self, ids: Sequence[int]) -> dict[int, User]:
        found = await self.session.scalars(select(User).where(User.id.in_(list(ids)), self._shared(User.id)))
        return {u.id: u for u in found}

    async def links(self, athlete_ids: Sequence[int]) -> dict[int, CoachingLink]:
        """The viewer's active link to each of these athletes that has one."""
        found = await self.session.scalars(
            select(CoachingLink).where(
                CoachingLink.coach_id == self.viewer_id,
                CoachingLink.status == "active",
                CoachingLink.athlete_id.in_(list(athlete_ids)),
            )
        )
        return {link.athlete_id: link for link in found}

    async def own_messages(self, trigger: str, period_keys: Sequence[str]) -> list[Notification]:
        """The viewer's own notifications of `trigger` for these periods."""
        if not period_keys:
            return []
        found = await self.session.scalars(
            select(Notification).where(
                Notification.user_id == self.viewer_id,
                Notification.trigger == trigger,
                Notification.period_key.in_(list(period_keys)),
            )
        )
        return list(found.all())

    async def computed_comments(self, activity_ids: Sequence[int]) -> dict[int, ActivityComment]:
        """The stored computed comment of each of these activities that has one."""
        if not activity_ids:
            return {}
        found = await self.session.scalars(
            select(ActivityComment).where(
                ActivityComment.activity_id.in_(list(activity_ids)),
                ActivityComment.kind == "computed",
                self._shared(ActivityComment.user_id),
            )
        )
        return {c.activity_id: c for c in found}

    async def written_comments(self, activity_ids: Sequence[int]) -> list[tuple[ActivityComment, User]]:
        """People's comments on these activities, oldest first, with their authors."""
        if not activity_ids:
            return []
        rows = await self.session.execute(
            select(ActivityComment, User)
            .join(User, User.id == ActivityComment.author_id)
            .where(
                ActivityComment.activity_id.in_(list(activity_ids)),
                ActivityComment.kind == "written",
                self._shared(ActivityComment.user_id),
            )
            .order_by(ActivityComment.created_at, ActivityComment.id)
        )
        return [(comment, author) for comment, author in rows.all()]

    def add_written(self, activity: Activity, body: str, now: datetime) -> ActivityComment:
        """The viewer's comment on `activity` (access is the caller's to check)."""
        comment = ActivityComment(
            activity_id=activity.id,
            user_id=activity.user_id,
            author_id=self.viewer_id,
            kind="written",
            body=body,
            created_at=now,
        )
        self.session.add(comment)
        return comment

    async def deletable_comment(self, comment_id: int) -> ActivityComment | None:
        """A written comment the viewer may delete: one on their own activity, or their own while they still
        coach that athlete (a revoked coach can no longer touch anything of theirs, not even their own old
        comments)."""
        still_coaching = (
            select(CoachingLink.id)
            .where(
                CoachingLink.coach_id == self.viewer_id,
                CoachingLink.athlete_id == ActivityComment.user_id,
                CoachingLink.status == "active",
            )
            .exists()
        )
        return await self.session.scalar(
            select(ActivityComment).where(
                ActivityComment.id == comment_id,
                ActivityComment.kind == "written",
                (ActivityComment.user_id == self.viewer_id)
                | ((ActivityComment.author_id == self.viewer_id) & still_coaching),
            )
        )


async def keep_computed_comment(
    session: AsyncSession, user_id: int, activity_id: int, body: str, data: dict[str, Any]
) -> None:
    """Store RunCoach's comment on the user's activity, replacing the one it had."""
    statement = insert(ActivityComment).values(
        activity_id=activity_id, user_id=user_id, author_id=None, kind="computed", body=body, data=data
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["activity_id"],
            index_where=text("kind = 'computed'"),
            set_={"body": statement.excluded.body, "data": statement.excluded.data, "created_at": func.now()},
            where=ActivityComment.user_id == user_id,
        )
    )
