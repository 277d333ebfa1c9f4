"""Strava API data never reaches a model's context (Strava's API policy, section 5.3): with an activity
imported through the Strava API present, a coach turn's tools and athlete context leave it out, while the
API's activity list (and the same tools called outside a turn) still show it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from pydantic_ai.messages import ModelMessage
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, FunctionModel
from sqlalchemy.ext.asyncio import AsyncSession

from agent.events import ToolResult
from agent.stream import stream
from core.models import User
from tests.agent.conftest import NOW, collect
from tests.factories import create_activity
from tools.activities.activities import ActivityInput, ListActivitiesInput, last_activity, list_activities
from tools.activities.search import ActivityFilters, search_activities
from tools.deps import ToolDeps

API_RUN = "Strava API run"
EXPORT_RUN = "From my Strava export"


async def test_a_coach_turn_never_sees_strava_api_activities_and_the_api_list_does(
    db: AsyncSession, runner: User, checkpointer: AsyncPostgresSaver
) -> None:
    api_run = await create_activity(
        db, runner, start=NOW - timedelta(hours=3), source="strava", external_id="777", name=API_RUN
    )
    await create_activity(
        db, runner, start=NOW - timedelta(hours=30), source="strava_export", name=EXPORT_RUN
    )
    seen: list[str] = []

    async def coach(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[Any]:
        seen.append(repr(messages))
        if len(seen) == 1:
            yield {
                0: DeltaToolCall("list_activities", '{"limit": 20}', tool_call_id="a"),
                1: DeltaToolCall("last_activity", "{}", tool_call_id="b"),
                2: DeltaToolCall("last_activity", f'{{"activity_id": {api_run.id}}}', tool_call_id="c"),
            }
            return
        yield "Done."

    events = await collect(
        stream(
            runner,
            None,
            "What did I run lately?",
            session=db,
            model=FunctionModel(stream_function=coach),
            checkpointer=checkpointer,
            now=NOW,
        )
    )
    results = {e.call_id: e for e in events if isinstance(e, ToolResult)}
    listed = [a["name"] for a in results["a"].data["activities"]]  # type: ignore[index]
    assert EXPORT_RUN in listed and "Run 1" in listed and API_RUN not in listed, listed
    assert results["b"].data["name"] == EXPORT_RUN, "the latest activity a model may see"  # type: ignore[index]
    assert not results["c"].ok and "Strava API" in (results["c"].error or "")
    assert len(seen) == 2 and all(API_RUN not in text for text in seen), "nor in the athlete context"
    assert all(EXPORT_RUN in text for text in seen), "the athlete's own export is allowed"

    # outside a model turn (the API, charts, the CLI) the activity is there
    page = await search_activities(db, runner.id, ToolDeps.for_user(db, runner).tz, ActivityFilters())
    assert API_RUN in [a.name for a in page.items]
    deps = ToolDeps.for_user(db, runner, now=NOW)
    assert API_RUN in [
        a.name for a in (await list_activities(deps, ListActivitiesInput(limit=20))).activities
    ]
    assert (await last_activity(deps, ActivityInput())).name == API_RUN
