"""The Settings page: time zone, units and the athlete's numbers; which model the coach uses and whether it
answers. Thin: the logic is `tools.account.profile` and `agent.model_status`."""

from __future__ import annotations

from fastapi import APIRouter

from agent.model_status import ModelStatus, model_status
from api.deps import CurrentUser, RedisDep, SessionDep, SettingsDep
from api.errors import problem_responses
from tools.account.profile import AthleteSettings, SettingsUpdate, athlete_settings, update_settings

TAGS = [{"name": "settings", "description": "Time zone, units, athlete numbers, and the coach's model"}]
router = APIRouter(prefix="/settings", tags=["settings"])


@router.get("", summary="Your settings")
async def get_settings_page(user: CurrentUser) -> AthleteSettings:
    return athlete_settings(user)


@router.patch(
    "",
    summary="Change your settings",
    description="Only the fields sent change; `null` clears a number. Out-of-range values, an unknown time "
    "zone, or heart rates out of order (resting < threshold < max) are a 422 that names the field, and "
    "nothing is changed.",
    responses=problem_responses(422),
)
async def patch_settings(body: SettingsUpdate, user: CurrentUser, session: SessionDep) -> AthleteSettings:
    return await update_settings(session, user, body)


@router.get(
    "/model",
    summary="The coach's model and whether it answers",
    description="The configured model chain (offline, Gemini, OpenAI or an OpenAI-compatible server) and a "
    "cheap reachability check of each model with a short timeout, cached for 30 seconds. The offline "
    "coach is always reachable.",
)
async def get_model_status(user: CurrentUser, settings: SettingsDep, redis: RedisDep) -> ModelStatus:
    return await model_status(settings, redis)
