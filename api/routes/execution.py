"""Planned vs done: the planned session an activity fulfilled and its execution score. Logic in
`tools.plans.execution` (and the pure scoring in `tools.workouts.execution`)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import RowId, ToolDepsDep
from tools.plans.execution import ActivityExecution, activity_execution

TAGS = [{"name": "execution", "description": "Planned vs done: execution scores of completed sessions"}]
router = APIRouter(prefix="/activities", tags=["execution"])


@router.get(
    "/{activity_id}/execution",
    summary="How well the activity executed its planned session",
    description="The plan session the run fulfilled (the one adapt matched to it, else the active plan's "
    "open session on its day) and a 0–100 score: distance against the plan, and the share of the targeted "
    "time in the target pace or heart-rate range, per step, from the run's samples. `session` is null when "
    "no session was planned; someone else's activity is a 404.",
)
async def get_activity_execution(activity_id: RowId, deps: ToolDepsDep) -> ActivityExecution:
    return await activity_execution(deps, activity_id)
