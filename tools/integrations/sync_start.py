"""Starting a provider sync from a button (the API): the coach's `sync_garmin` / `sync_strava` tools, made
safe against a double click and against two API replicas at once.

The tools look for a queued or running job before enqueuing one, but two requests arriving together could
both look before either enqueues. A short Redis lock per (user, provider) around look-then-enqueue makes
the second request wait for the first and then find its job, so both answer with the same job id.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from core.errors import CoachError, InvalidInput, ServiceUnavailable
from core.redis import get_redis
from tools.deps import ToolDeps
from tools.garmin.garmin import SyncGarminInput, sync_garmin
from tools.integrations.credentials import PROVIDER_NAMES, Provider
from tools.integrations.locks import hold_lock
from tools.strava.strava import SyncStravaInput, sync_strava

START_LOCK_TTL_S = 30.0
START_LOCK_WAIT_S = 10.0


class SyncRequest(BaseModel):
    days: int | None = Field(
        default=None,
        ge=1,
        le=36500,
        description="days back to fetch; default: since the last sync (the first sync has its own default)",
    )
    full_history: bool = Field(default=False, description="Garmin only: fetch the whole history")


class SyncStarted(BaseModel):
    provider: Provider
    job_id: str = Field(description="poll /api/v1/jobs/{job_id} for progress")
    status: Literal["queued", "already_running"]
    message: str


def start_lock_key(user_id: int, provider: Provider) -> str:
    return f"runcoach:sync-start:{provider}:{user_id}"


def _busy(provider: Provider) -> CoachError:
    return ServiceUnavailable(
        f"Another request is starting a {PROVIDER_NAMES[provider]} sync right now; try again in a moment."
    )


async def start_sync(deps: ToolDeps, provider: Provider, request: SyncRequest) -> SyncStarted:
    """Enqueue the provider's sync job for the athlete, or return the one already queued or running.
    Raises NotFound when the provider is not connected, ReauthRequired when it must be connected again."""
    if provider == "strava" and request.full_history:
        raise InvalidInput(
            "full_history is for Garmin only; for Strava, give `days` (how far back to import)."
        )
    redis = deps.redis or get_redis()
    async with hold_lock(
        redis,
        start_lock_key(deps.user_id, provider),
        ttl_s=START_LOCK_TTL_S,
        owner="sync-start",
        busy=lambda _holder: _busy(provider),
        wait_s=START_LOCK_WAIT_S,
    ):
        if provider == "garmin":
            garmin = await sync_garmin(
                deps, SyncGarminInput(days=request.days, full_history=request.full_history)
            )
            return SyncStarted(provider=provider, **garmin.model_dump())
        strava = await sync_strava(deps, SyncStravaInput(days=request.days))
        return SyncStarted(provider=provider, **strava.model_dump())
