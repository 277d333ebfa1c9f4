"""Connecting Strava over HTTP: the authorize URL, the browser's round trip through the Strava fake (real
stravalib for the code exchange), the callback redirecting to the settings page, disconnecting, syncing;
and one athlete never using or touching another's authorization."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from core.database import session_scope
from core.models import Integration
from core.settings import get_settings
from tests.api.conftest import SignUp, assert_problem, client_for
from tests.fakes import FakeStrava
from tests.tools.strava.helpers import REDIRECT, authorize_in_browser, strava_fake

CALLBACK = "/api/v1/integrations/strava/callback"


@pytest.fixture
def strava(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStrava]:
    with strava_fake(monkeypatch) as fake:
        yield fake


@pytest.fixture
def app(app_factory: Callable[..., FastAPI], strava: FakeStrava) -> FastAPI:
    """Made after the fake set this server's Strava app keys; the public URL is the one Strava returns to."""
    return app_factory(public_url=REDIRECT.removesuffix(CALLBACK))


def _provider(overview: httpx.Response) -> dict[str, Any]:
    assert overview.status_code == 200, overview.text
    (found,) = [p for p in overview.json()["providers"] if p["provider"] == "strava"]
    return dict(found)


async def _approve(strava: FakeStrava, client: httpx.AsyncClient) -> dict[str, str]:
    """Ask our API for the URL, then do what the browser does at Strava: approve and come back."""
    response = await client.get("/api/v1/integrations/strava/authorize")
    assert response.status_code == 200, response.text
    return authorize_in_browser(strava, response.json()["url"])


async def _callback(client: httpx.AsyncClient, query: dict[str, str]) -> dict[str, str]:
    """The browser arriving at our callback; returns the settings page's query it is redirected to."""
    response = await client.get(CALLBACK, params=query, follow_redirects=False)
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    assert location.path == "/settings" and not location.netloc
    result = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert result["integration"] == "strava"
    return result


async def _strava_rows(user_id: int) -> int:
    async with session_scope() as session:
        return (
            await session.execute(
                select(func.count()).where(Integration.user_id == user_id, Integration.provider == "strava")
            )
        ).scalar_one()


async def test_connect_then_status_then_sync_then_disconnect(strava: FakeStrava, sign_up: SignUp) -> None:
    ann = await sign_up()
    before = _provider(await ann.client.get("/api/v1/integrations"))
    assert (before["available"], before["connected"], before["status"]) == (True, False, "not_connected")

    authorize = await ann.client.get("/api/v1/integrations/strava/authorize")
    url = urlsplit(authorize.json()["url"])
    assert (url.netloc, url.path) == ("www.strava.com", "/oauth/authorize")
    assert parse_qs(url.query)["redirect_uri"] == [REDIRECT]  # the public URL + strava_redirect_path
    query = authorize_in_browser(strava, authorize.json()["url"])
    result = await _callback(ann.client, query)
    assert result == {
        "integration": "strava",
        "result": "connected",
        "message": "Connected to Strava as Marianne Teutenberg.",
    }
    exchange = strava.requests_to("^/oauth/token$")
    assert len(exchange) == 1 and exchange[0].form()["code"] == query["code"]

    status = _provider(await ann.client.get("/api/v1/integrations"))
    assert (status["connected"], status["status"], status["account_name"], status["can_upload"]) == (
        True,
        "connected",
        "Marianne Teutenberg",
        True,
    )

    replayed = await _callback(ann.client, query)  # the same link again: the state was used up
    assert replayed["result"] == "error" and "expired or was already used" in replayed["message"]
    assert len(strava.requests_to("^/oauth/token$")) == 1

    started = await ann.client.post("/api/v1/integrations/strava/sync", json={"days": 7})
    assert started.status_code == 202 and started.json()["status"] == "queued", started.text
    again = await ann.client.post("/api/v1/integrations/strava/sync")
    assert (again.json()["status"], again.json()["job_id"]) == ("already_running", started.json()["job_id"])
    assert (
        _provider(await ann.client.get("/api/v1/integrations"))["running_job"]["job_id"]
        == started.json()["job_id"]
    )
    full = assert_problem(
        await ann.client.post("/api/v1/integrations/strava/sync", json={"full_history": True}), 422
    )
    assert "Garmin only" in full["detail"]

    assert (await ann.client.delete("/api/v1/integrations/strava")).status_code == 204
    assert len(strava.requests_to("/oauth/deauthorize$")) == 1  # access revoked at Strava too
    after = _provider(await ann.client.get("/api/v1/integrations"))
    assert (after["connected"], after["status"], after["can_upload"]) == (False, "not_connected", None)
    assert_problem(await ann.client.delete("/api/v1/integrations/strava"), 404, "not_found")
    assert_problem(await ann.client.post("/api/v1/integrations/strava/sync"), 404, "not_found")


async def test_an_authorization_is_only_usable_by_the_athlete_who_asked(
    app: FastAPI, strava: FakeStrava, sign_up: SignUp
) -> None:
    ann, bob = await sign_up(), await sign_up()
    stolen = await _approve(strava, ann.client)
    refused = await _callback(bob.client, stolen)  # Bob's browser arrives with Ann's state
    assert refused["result"] == "error" and "started by another account" in refused["message"]
    assert await _strava_rows(ann.user_id) == await _strava_rows(bob.user_id) == 0
    assert strava.requests_to("^/oauth/token$") == []  # refused before any code exchange

    # Ann's own state in another browser where she is signed in too (no cookie from asking): refused
    query = await _approve(strava, ann.client)
    async with client_for(app, cookies={"runcoach_session": ann.session_cookie}) as elsewhere:
        other_browser = await _callback(elsewhere, query)
    assert other_browser["result"] == "error" and "not started in this browser" in other_browser["message"]
    # in the browser that asked, signed in: connected
    assert (await _callback(ann.client, await _approve(strava, ann.client)))["result"] == "connected"
    assert (await _strava_rows(ann.user_id), await _strava_rows(bob.user_id)) == (1, 0)

    bob_view = _provider(await bob.client.get("/api/v1/integrations"))
    assert bob_view["connected"] is False and bob_view["account_name"] is None
    assert_problem(await bob.client.delete("/api/v1/integrations/strava"), 404, "not_found")
    assert_problem(await bob.client.post("/api/v1/integrations/strava/sync"), 404, "not_found")
    assert strava.requests_to("/oauth/deauthorize$") == []
    assert _provider(await ann.client.get("/api/v1/integrations"))["connected"] is True


async def test_a_victim_approving_an_attackers_link_links_nothing(
    app: FastAPI, strava: FakeStrava, sign_up: SignUp
) -> None:
    """Before: Mallory sent her authorize link to Vic; Vic approved at Strava with no RunCoach session in
    that browser, and the callback linked Vic's Strava to Mallory's account."""
    mallory, vic = await sign_up(), await sign_up()
    response = await mallory.client.get("/api/v1/integrations/strava/authorize")
    link = response.json()["url"]
    async with client_for(app) as vics_browser:  # not signed in to RunCoach
        lured = await _callback(vics_browser, authorize_in_browser(strava, link))
    assert lured["result"] == "error" and "Sign in" in lured["message"]
    # signed in as himself: refused as well
    fresh = (await mallory.client.get("/api/v1/integrations/strava/authorize")).json()["url"]
    signed_in = await _callback(vic.client, authorize_in_browser(strava, fresh))
    assert signed_in["result"] == "error"
    assert await _strava_rows(mallory.user_id) == await _strava_rows(vic.user_id) == 0
    assert strava.requests_to("^/oauth/token$") == [], "no code was exchanged"


async def test_denied_forged_and_empty_callbacks_say_what_happened(
    strava: FakeStrava, sign_up: SignUp
) -> None:
    ann = await sign_up()
    strava.approve_authorization = False
    denied = await _callback(ann.client, await _approve(strava, ann.client))
    assert denied["result"] == "error" and "not granted" in denied["message"]
    forged = await _callback(ann.client, {"state": "made-up", "code": "abc"})
    assert forged["result"] == "error" and "Start connecting Strava again" in forged["message"]
    empty = await _callback(ann.client, {})
    assert empty["result"] == "error"
    assert await _strava_rows(ann.user_id) == 0


async def test_anonymous_callers_cannot_start_or_disconnect(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/integrations"), 401, "unauthorized")
    assert_problem(await client.get("/api/v1/integrations/strava/authorize"), 401, "unauthorized")
    assert_problem(await client.delete("/api/v1/integrations/strava"), 401, "unauthorized")


async def test_a_server_without_a_strava_app_says_so(
    app_factory: Callable[..., FastAPI], sign_up: SignUp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "strava_client_id", None)
    app = app_factory()
    ann = await sign_up()
    async with client_for(app, cookies={"runcoach_session": ann.session_cookie}) as client:
        assert _provider(await client.get("/api/v1/integrations"))["available"] is False
        body = assert_problem(
            await client.get("/api/v1/integrations/strava/authorize"), 409, "not_configured"
        )
    assert "RUNCOACH_STRAVA_CLIENT_ID" in body["detail"]
