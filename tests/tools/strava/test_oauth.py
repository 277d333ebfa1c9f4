"""Connecting Strava: the authorize URL with a state bound to the user, the code exchange, refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import session_scope
from core.errors import Forbidden, InvalidInput, NotConfigured
from core.models import User
from core.settings import get_settings
from tests.fakes import FakeStrava
from tests.tools.garmin.helpers import committed_user, integration_of, stored_credentials
from tests.tools.strava.helpers import BROWSER, REDIRECT, authorize_in_browser, connect_strava, strava_fake
from tools.strava.oauth import default_redirect_uri, disconnect_strava, strava_authorize_url, strava_callback


@pytest.fixture
def strava(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStrava]:
    with strava_fake(monkeypatch) as fake:
        yield fake


@pytest.fixture
async def user(engine: AsyncEngine, redis: Redis) -> AsyncIterator[User]:
    async with committed_user() as user:
        yield user


async def test_authorize_url_asks_for_the_configured_scopes_with_a_state(
    strava: FakeStrava, user: User
) -> None:
    url = await strava_authorize_url(user.id, browser_nonce=BROWSER, redirect_uri=REDIRECT)
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.strava.com", "/oauth/authorize")
    assert query["client_id"] == str(strava.client_id) and query["redirect_uri"] == REDIRECT
    assert set(query["scope"].split(",")) == {"read", "activity:read_all", "activity:write"}
    assert len(query["state"]) >= 32


async def test_callback_exchanges_the_code_and_stores_encrypted_tokens(
    strava: FakeStrava, user: User
) -> None:
    connected = await connect_strava(strava, user.id)
    assert connected.athlete_id == strava.athlete_id and connected.athlete_name == "Marianne Teutenberg"
    assert connected.can_upload and connected.can_read_private
    integration = await integration_of(user.id, "strava")
    assert (integration.status, integration.external_id) == ("connected", str(strava.athlete_id))
    assert set(integration.settings["scopes"]) == {"read", "activity:read_all", "activity:write"}
    credentials = await stored_credentials(user.id, "strava")
    assert set(credentials) == {"access_token", "refresh_token", "expires_at"}
    blob = integration.credentials_encrypted or b""
    assert (
        credentials["access_token"].encode() not in blob and credentials["refresh_token"].encode() not in blob
    )
    exchange = strava.requests_to("^/oauth/token$")[0]
    assert exchange.tls and exchange.form()["grant_type"] == "authorization_code"
    assert exchange.form()["client_secret"] == strava.client_secret  # in the body, never the URL
    assert "client_secret" not in exchange.query


async def test_a_state_works_once_and_only_for_its_user(strava: FakeStrava, user: User) -> None:
    query = authorize_in_browser(
        strava, await strava_authorize_url(user.id, browser_nonce=BROWSER, redirect_uri=REDIRECT)
    )
    async with session_scope() as session:
        with pytest.raises(Forbidden, match="another account"):
            await strava_callback(
                session,
                state=query["state"],
                code=query["code"],
                user_id=user.id + 10_000,
                browser_nonce=BROWSER,
            )
    async with session_scope() as session:  # the refused attempt used the state up
        with pytest.raises(InvalidInput, match="expired or was already used"):
            await strava_callback(
                session, state=query["state"], code=query["code"], user_id=user.id, browser_nonce=BROWSER
            )
    async with session_scope() as session:
        with pytest.raises(InvalidInput, match="expired or was already used"):
            await strava_callback(session, state="made-up", code="x", user_id=user.id, browser_nonce=BROWSER)
    # the right user in another browser (no cookie, or another one): refused too
    for other_browser in (None, "another-browser"):
        query = authorize_in_browser(
            strava, await strava_authorize_url(user.id, browser_nonce=BROWSER, redirect_uri=REDIRECT)
        )
        async with session_scope() as session:
            with pytest.raises(Forbidden, match="not started in this browser"):
                await strava_callback(
                    session,
                    state=query["state"],
                    code=query["code"],
                    user_id=user.id,
                    browser_nonce=other_browser,
                )
    assert strava.requests_to("^/oauth/token$") == []


async def test_denied_access_and_missing_upload_permission(strava: FakeStrava, user: User) -> None:
    strava.approve_authorization = False
    query = authorize_in_browser(
        strava, await strava_authorize_url(user.id, browser_nonce=BROWSER, redirect_uri=REDIRECT)
    )
    async with session_scope() as session:
        with pytest.raises(InvalidInput, match="not granted"):
            await strava_callback(
                session, state=query["state"], error=query["error"], user_id=user.id, browser_nonce=BROWSER
            )
    strava.approve_authorization = True
    state = parse_qs(
        urlsplit(await strava_authorize_url(user.id, browser_nonce=BROWSER, redirect_uri=REDIRECT)).query
    )["state"][0]
    narrow = strava.requests_session().get(
        "https://www.strava.com/oauth/authorize",
        params={"client_id": strava.client_id, "redirect_uri": REDIRECT, "response_type": "code",
                "scope": "read,activity:read", "state": state},
        allow_redirects=False,
        timeout=10,
    )  # fmt: skip
    granted = {k: v[0] for k, v in parse_qs(urlsplit(narrow.headers["Location"]).query).items()}
    async with session_scope() as session:
        connected = await strava_callback(
            session,
            state=state,
            code=granted["code"],
            scope=granted["scope"],
            user_id=user.id,
            browser_nonce=BROWSER,
        )
    assert not connected.can_upload and "uploads were not allowed" in connected.message


async def test_not_configured_is_a_clear_error(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "strava_client_id", None)
    with pytest.raises(NotConfigured, match="RUNCOACH_STRAVA_CLIENT_ID"):
        await strava_authorize_url(user.id, browser_nonce=BROWSER)


def test_default_redirect_uses_the_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "public_url", "https://coach.example.org/")
    assert default_redirect_uri() == "https://coach.example.org/api/v1/integrations/strava/callback"


async def test_disconnect_revokes_and_forgets(strava: FakeStrava, user: User) -> None:
    await connect_strava(strava, user.id)
    async with session_scope() as session:
        assert await disconnect_strava(session, user.id) is True
    assert strava.requests_to("/oauth/deauthorize$")[0].status == 200
    async with session_scope() as session:
        assert await disconnect_strava(session, user.id) is False
