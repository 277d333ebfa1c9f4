"""`whoami`: the signed-in athlete's profile as the coach sees it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tools.deps import ToolDeps
from tools.registry import tool


class WhoamiInput(BaseModel):
    """No arguments: identity always comes from the session, never from the model."""


class WhoamiOutput(BaseModel):
    user_id: int
    email: str
    display_name: str | None
    timezone: str
    units: str
    today: str = Field(description="the athlete's local date, ISO format")
    is_demo: bool
    max_hr: int | None
    resting_hr: int | None
    lthr: int | None


@tool()
async def whoami(deps: ToolDeps, args: WhoamiInput) -> WhoamiOutput:
    """Who the athlete is: name, email, time zone, units, today's date in their time zone, and the
    physiological settings they entered (max HR, resting HR, LTHR). Use it to greet or to check settings."""
    user = deps.user
    return WhoamiOutput(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        timezone=user.timezone,
        units=user.units,
        today=deps.today.isoformat(),
        is_demo=user.is_demo,
        max_hr=user.max_hr,
        resting_hr=user.resting_hr,
        lthr=user.lthr,
    )
