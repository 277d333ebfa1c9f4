"""Daily health (sleep, HRV, resting heart rate, body battery, stress, steps). Logic in `tools.health`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ToolDepsDep
from tools.health.daily import DailyHealthInput, DailyHealthOutput, daily_health

TAGS = [{"name": "health", "description": "Daily health: sleep, HRV, resting heart rate"}]
router = APIRouter(prefix="/health", tags=["health"])


@router.get(
    "/daily",
    summary="Get daily health",
    description="Sleep (and stages), sleep score, overnight HRV, resting heart rate, body battery, stress "
    "and steps per day, oldest first, with averages. Default: the last 30 days; at most a year.",
)
async def get_daily_health(
    deps: ToolDepsDep, args: Annotated[DailyHealthInput, Query()]
) -> DailyHealthOutput:
    return await daily_health(deps, args)
