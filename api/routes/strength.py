"""Strength and cross-training logged by hand: log a session, list recent ones. Typed tools from
`tools.training_load.cross_training`;
a logged session is an activity (delete it with DELETE /activities/{id})."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ToolDepsDep
from tools.training_load.cross_training import (
    ListLoggedInput,
    LoggedList,
    LoggedSession,
    LogSessionInput,
    list_logged_sessions,
    log_training_session,
)

TAGS = [{"name": "strength", "description": "Strength and cross-training sessions logged by hand"}]
router = APIRouter(prefix="/strength", tags=["strength"])


@router.post(
    "/sessions",
    status_code=201,
    summary="Log a strength or cross-training session",
    description="Sport, duration, session RPE (0–10) and, for strength, exercises with sets (reps, load or "
    "bodyweight, set RPE). Counted in training load as session-RPE × duration on the runs' scale. A session "
    "without any RPE is refused with what to add (422); one at the same start as another activity is a 409.",
)
async def log_session(deps: ToolDepsDep, body: LogSessionInput) -> LoggedSession:
    return await log_training_session(deps, body)


@router.get(
    "/sessions", summary="List logged sessions", description="Newest first, over the last `days` days."
)
async def list_sessions(deps: ToolDepsDep, args: Annotated[ListLoggedInput, Query()]) -> LoggedList:
    return await list_logged_sessions(deps, args)
