"""The feed as a typed tool, for the coach (agent) and MCP clients: the same page the web app shows."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tools.activities.visibility import hidden_sources
from tools.deps import ToolDeps
from tools.feed.feed import FeedPage, FeedQuery, feed_page
from tools.registry import tool

MAX_TOOL_LIMIT = 20


class ActivityFeedInput(BaseModel):
    athlete_id: int | None = Field(
        default=None,
        ge=1,
        le=2**63 - 1,
        description="an athlete who shares their feed with you; default: your own activities",
    )
    limit: int = Field(default=10, description="at most 20")


@tool()
async def activity_feed(deps: ToolDeps, args: ActivityFeedInput) -> FeedPage:
    """The activity feed, newest first: each activity's totals, the coach's short comment on it (the
    after-run message that was sent, or RunCoach's comment computed from the activity's own numbers and the
    athlete's earlier activities) and the comments the athlete's coach or the athlete wrote. With
    `athlete_id`, the feed of an athlete you coach (only athletes who granted it)."""
    limit = max(1, min(args.limit, MAX_TOOL_LIMIT))
    query = FeedQuery(athlete_id=args.athlete_id, limit=limit)
    return await feed_page(deps.session, deps.user, query, hide_sources=hidden_sources(deps))
