"""The importer computes the load, the figures (of the activity and of its multisport legs) and the feed's
facts and comment from the samples it holds in memory. For every real activity file, what it keeps is
exactly what the read path (`compute_activity_load` and `keep_activity_facts` reading the stored samples
back) gives on the same database, right after the import."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import Activity, ActivityComment, ActivityFigures
from tests.factories import create_user
from tests.support.shared_data import fit_manifest
from tools.activities.importer import import_file
from tools.feed.facts import keep_activity_facts
from tools.training_load.activity import compute_activity_load
from tools.zones import anchors


def _files() -> list[tuple[str, bytes]]:
    return [
        (info.path.name, info.path.read_bytes())
        for info in fit_manifest()
        if info.intent in ("valid", "edge-case") and "activity" in info.type.split(";")
    ]


async def _kept(db: AsyncSession, ids: list[int]) -> dict[int, Any]:
    """What an import keeps per activity: its load, its figures, its computed comment."""
    out: dict[int, Any] = {}
    for activity in (await db.scalars(select(Activity).where(Activity.id.in_(ids)))).all():
        figures = await db.get(ActivityFigures, activity.id)
        comment = await db.scalar(
            select(ActivityComment).where(
                ActivityComment.activity_id == activity.id, ActivityComment.kind == "computed"
            )
        )
        out[activity.id] = (
            activity.training_load,
            activity.load_method,
            {c.name: getattr(figures, c.name) for c in ActivityFigures.__table__.c if c.name != "computed_at"}
            if figures is not None
            else None,
            (comment.body, comment.data) if comment is not None else None,
        )
    return out


async def test_what_the_import_keeps_is_what_reading_the_samples_back_gives(db: AsyncSession) -> None:
    user = await create_user(db)
    user_id = user.id
    compared = legs = 0
    for name, data in _files():
        before = set(await db.scalars(select(Activity.id).where(Activity.user_id == user_id)))
        anchors._shared.clear()  # both paths estimate the anchors from the same stored figures
        try:
            result = await import_file(db, user_id, data, filename=name)
        except InvalidInput:
            continue
        if result.status != "imported":
            continue
        new = [
            a
            for a in (await db.scalars(select(Activity).where(Activity.user_id == user_id))).all()
            if a.id not in before
        ]
        ids = [a.id for a in new]
        imported = await _kept(db, ids)
        savepoint = await db.begin_nested()
        anchors._shared.clear()
        await db.execute(delete(ActivityFigures).where(ActivityFigures.activity_id.in_(ids)))
        db.expunge_all()
        top = select(Activity).where(Activity.id.in_(ids), Activity.parent_id.is_(None))
        tops = (await db.scalars(top.order_by(Activity.id))).all()
        for activity in tops:
            await compute_activity_load(db, activity)  # the samples read back
            await keep_activity_facts(db, activity)
        read_back = await _kept(db, ids)
        await savepoint.rollback()
        db.expunge_all()
        assert read_back == imported, name
        compared += len(tops)
        legs += len(ids) - len(tops)
    assert compared >= 20
    assert legs >= 3  # multisport legs' figures were compared too
