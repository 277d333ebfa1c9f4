"""The status tools on the real database: `garmin_status` and `strava_status` say the same things the same
way (one `connection_summary`), each adding its provider's account details."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Integration
from core.queue.outbox import enqueue
from tests.factories import create_user
from tools.deps import ToolDeps
from tools.garmin.garmin import GarminStatusInput, garmin_status
from tools.integrations.repository import Integrations, SyncRuns
from tools.strava.strava import StravaStatusInput, strava_status


async def test_not_connected_connected_and_needing_a_new_sign_in(db: AsyncSession) -> None:
    user = await create_user(db)
    deps = ToolDeps.for_user(db, user)
    garmin = await garmin_status(deps, GarminStatusInput())
    strava = await strava_status(deps, StravaStatusInput())
    assert (garmin.connected, garmin.status, garmin.display_name) == (False, "not_connected", None)
    assert garmin.message == "Garmin Connect is not connected; the athlete can connect it in Settings."
    assert (strava.status, strava.can_upload, strava.scopes) == ("not_connected", False, [])
    assert strava.message == "Strava is not connected; the athlete can connect it in Settings."

    connections = Integrations(db, user.id)
    garmin_row = connections.add(
        Integration(
            provider="garmin",
            status="connected",
            credentials_encrypted=b"-",
            settings={"display_name": "ann"},
        )
    )
    connections.add(
        Integration(
            provider="strava",
            status="needs_reauth",
            credentials_encrypted=b"-",
            settings={"athlete_name": "Ann", "scopes": ["read", "activity:write"]},
        )
    )
    run = await SyncRuns(db, user.id).start("garmin")
    job = await enqueue(db, "garmin.sync", {"days": 3}, user_id=user.id)
    garmin = await garmin_status(deps, GarminStatusInput())
    assert (garmin.connected, garmin.status, garmin.display_name) == (True, "connected", "ann")
    assert garmin.message == "Connected to Garmin Connect."
    assert garmin.last_run is not None and garmin.last_run.status == run.status == "running"
    assert garmin.running_job is not None and garmin.running_job.job_id == str(job.id)
    strava = await strava_status(deps, StravaStatusInput())
    assert (strava.connected, strava.status, strava.athlete_name, strava.can_upload) == (
        False,
        "needs_reauth",
        "Ann",
        True,
    )
    assert strava.message == "Strava needs to be connected again."
    assert strava.last_run is None and strava.running_job is None

    garmin_row.status = "needs_reauth"
    garmin_row.settings = {"status_message": "Garmin refused the saved sign-in; connect again."}
    await db.flush()
    garmin = await garmin_status(deps, GarminStatusInput())
    assert (garmin.connected, garmin.message) == (False, "Garmin refused the saved sign-in; connect again.")
