"""One view of the athlete's connections for the Settings page: Garmin Connect and Strava, each with whether
it is connected, whether it needs the athlete to connect again (and why), the last sync and a sync running
now. Built from the coach's own status tools (`garmin_status`, `strava_status`), so both say the same."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tools.deps import ToolDeps
from tools.garmin.auth import GarminLoginState, garmin_login_state
from tools.garmin.garmin import GarminStatusInput, garmin_status
from tools.integrations.credentials import PROVIDER_NAMES, Provider
from tools.integrations.sync_runs import RunningJobOut, SyncRunOut
from tools.strava.strava import StravaStatusInput, strava_status

ConnectionStatus = Literal["connected", "needs_reauth", "not_connected"]


class ProviderStatus(BaseModel):
    provider: Provider
    name: str = Field(description="the service's name, for people")
    available: bool = Field(
        description="whether this server can connect it at all (Strava needs the operator's app keys)"
    )
    connected: bool = Field(description="connected and usable")
    status: ConnectionStatus
    needs_reauth: bool = Field(description="the service no longer accepts our sign-in: connect again")
    message: str = Field(description="the state in a sentence, and what to do when something is wrong")
    account_name: str | None = Field(default=None, description="the name on the connected account")
    can_upload: bool | None = Field(default=None, description="Strava: whether uploads were granted")
    last_sync_at: datetime | None = None
    last_run: SyncRunOut | None = Field(default=None, description="the most recent sync, finished or not")
    running_job: RunningJobOut | None = Field(
        default=None, description="a sync queued or running now (poll /api/v1/jobs/{job_id})"
    )
    login: GarminLoginState | None = Field(
        default=None, description="Garmin: a recent sign-in (e.g. waiting for the MFA code)"
    )


class IntegrationsOverview(BaseModel):
    providers: list[ProviderStatus]


def _status(value: str) -> ConnectionStatus:
    return value if value in ("connected", "needs_reauth") else "not_connected"  # type: ignore[return-value]


async def integrations_overview(deps: ToolDeps) -> IntegrationsOverview:
    """Every provider's connection state for the signed-in athlete (scoped by `deps.user_id`)."""
    garmin = await garmin_status(deps, GarminStatusInput())
    strava = await strava_status(deps, StravaStatusInput())
    login = await garmin_login_state(deps.user_id, redis=deps.redis)
    settings = deps.settings
    return IntegrationsOverview(
        providers=[
            ProviderStatus(
                provider="garmin",
                name=PROVIDER_NAMES["garmin"],
                available=True,
                connected=garmin.connected,
                status=_status(garmin.status),
                needs_reauth=garmin.status == "needs_reauth",
                message=garmin.message,
                account_name=garmin.display_name,
                last_sync_at=garmin.last_sync_at,
                last_run=garmin.last_run,
                running_job=garmin.running_job,
                login=login,
            ),
            ProviderStatus(
                provider="strava",
                name=PROVIDER_NAMES["strava"],
                available=bool(settings.strava_client_id and settings.strava_client_secret),
                connected=strava.connected,
                status=_status(strava.status),
                needs_reauth=strava.status == "needs_reauth",
                message=strava.message,
                account_name=strava.athlete_name,
                can_upload=strava.can_upload if strava.status != "not_connected" else None,
                last_sync_at=strava.last_sync_at,
                last_run=strava.last_run,
                running_job=strava.running_job,
            ),
        ]
    )
