"""Listing and reading activities, scoped to their owner, in the athlete's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from tests.factories import create_activity, create_user
from tools.deps import ToolDeps
from tools.registry import call_tool


async def test_list_and_detail_newest_first_with_pace_and_local_dates(db: AsyncSession) -> None:
    user = await create_user(db, timezone="America/New_York")
    other = await create_user(db)
    await create_activity(db, user, start=datetime(2026, 11, 1, 12, 0, tzinfo=UTC), seconds=1200, speed=3.0)
    late = await create_activity(
        db, user, start=datetime(2026, 11, 3, 2, 30, tzinfo=UTC), seconds=600, speed=2.5
    )
    await create_activity(
        db, user, start=datetime(2026, 11, 2, 12, 0, tzinfo=UTC), sport="cycling", speed=8.0
    )
    await create_activity(db, other, start=datetime(2026, 11, 4, 12, 0, tzinfo=UTC))
    deps = ToolDeps.for_user(db, user, now=datetime(2026, 11, 5, 12, tzinfo=UTC))

    listed = (await call_tool("list_activities", deps, {"limit": 10})).model_dump()
    assert listed["activities"][0]["id"] == late.id
    assert len(listed["activities"]) == 3, "another athlete's activity never appears"
    newest = listed["activities"][0]
    assert str(newest["local_date"]) == "2026-11-02"  # 02:30 UTC is the evening before in New York
    assert newest["pace_s_per_km"] == pytest.approx(400.0)  # 2.5 m/s
    assert listed["total_distance_km"] == pytest.approx(3.6 + 1.5 + 4.8)

    runs = (
        await call_tool("list_activities", deps, {"sport": "running", "since": "2026-11-01"})
    ).model_dump()
    assert len(runs["activities"]) == 2

    detail = (await call_tool("last_activity", deps, {})).model_dump()
    assert detail["id"] == late.id and detail["sample_count"] == 600
    with pytest.raises(NotFound):
        await call_tool("last_activity", ToolDeps.for_user(db, other), {"activity_id": late.id})


async def test_no_activities_is_a_clear_message(db: AsyncSession) -> None:
    deps = ToolDeps.for_user(db, await create_user(db))
    with pytest.raises(NotFound, match="Import a FIT file"):
        await call_tool("last_activity", deps, {})
