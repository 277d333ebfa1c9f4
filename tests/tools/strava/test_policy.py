"""Strava API import is off by default (Strava's API policy): the tool says why, queued jobs fetch nothing."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import Settings, get_settings
from tests.factories import create_user
from tools.deps import ToolDeps
from tools.strava.policy import StravaApiImportOff
from tools.strava.strava import SyncStravaInput, sync_strava


def test_the_default_is_off() -> None:
    assert Settings.model_fields["strava_api_import"].default is False
    assert "5.3" in (Settings.model_fields["strava_api_import"].description or "")


async def test_sync_strava_refuses_with_the_reason_and_queues_nothing(
    db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "strava_api_import", False)
    user = await create_user(db)
    with pytest.raises(StravaApiImportOff, match=r"section 5\.3") as caught:
        await sync_strava(ToolDeps.for_user(db, user), SyncStravaInput())
    assert "Download or delete your account" in caught.value.message


async def test_queued_strava_jobs_do_nothing_while_import_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from jobs.tasks.strava import strava_activity, strava_sync

    monkeypatch.setattr(get_settings(), "strava_api_import", False)
    for handler in (strava_sync, strava_activity):
        result = await handler(None, None)  # type: ignore[arg-type]  # returns before reading the job
        assert "section 5.3" in result["skipped"]
