"""The Strava fake wired into RunCoach's Strava client, and connecting a user through real OAuth."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from core.database import session_scope
from core.settings import get_settings
from tests.fakes import FakeStrava
from tools.strava.client import use_http_session_factory
from tools.strava.oauth import StravaConnected, strava_authorize_url, strava_callback

REDIRECT = "http://127.0.0.1:8000/api/v1/integrations/strava/callback"
#: the nonce the api keeps in the asking browser's cookie
BROWSER = "the-browser-that-asked"


@contextmanager
def strava_fake(monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> Iterator[FakeStrava]:
    """A running FakeStrava that RunCoach's Strava client reaches (its HTTP sessions come from the fake),
    with this server's Strava app credentials set to the fake's."""
    monkeypatch.delenv("STRAVA_CLIENT_ID", raising=False)
    monkeypatch.delenv("STRAVA_CLIENT_SECRET", raising=False)
    with FakeStrava(**kwargs) as fake:
        settings = get_settings()
        monkeypatch.setattr(settings, "strava_client_id", str(fake.client_id))
        monkeypatch.setattr(settings, "strava_client_secret", SecretStr(fake.client_secret))
        monkeypatch.setattr(settings, "strava_upload_poll_s", 0.05)
        monkeypatch.setattr(settings, "strava_api_import", True)  # the tests below exercise API import
        use_http_session_factory(fake.requests_session)
        try:
            yield fake
        finally:
            use_http_session_factory(None)
        assert fake.errors == [], "the fake raised while answering"
        assert fake.schema_errors == [], "an answer did not validate against stravalib's models"
        assert fake.refused == []


def authorize_in_browser(fake: FakeStrava, url: str) -> dict[str, str]:
    """What the user's browser does: open the authorize URL; Strava redirects back with code and state."""
    response = fake.requests_session().get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def connect_strava(fake: FakeStrava, user_id: int) -> StravaConnected:
    url = await strava_authorize_url(user_id, browser_nonce=BROWSER, redirect_uri=REDIRECT)
    query = authorize_in_browser(fake, url)
    async with session_scope() as session:
        return await strava_callback(
            session,
            state=query["state"],
            code=query.get("code"),
            scope=query.get("scope"),
            user_id=user_id,
            browser_nonce=BROWSER,
        )
