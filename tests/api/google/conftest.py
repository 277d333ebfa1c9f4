"""Google sign-in tests: the real app in-process, a fake OpenID provider on loopback (tests/fakes/oidc.py).

The app reaches the provider over real HTTP (discovery, token endpoint, JWKS); the test plays the browser:
it follows the app's redirect to the provider's authorize endpoint and the provider's redirect back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from tests.api.conftest import BASE_URL, client_for, new_email
from tests.fakes.oidc import CLIENT_ID, CLIENT_SECRET, FakeOidc, OidcUser

CALLBACK = f"{BASE_URL}/api/v1/auth/google/callback"


@pytest.fixture
def idp() -> Iterator[FakeOidc]:
    with FakeOidc() as fake:
        fake.redirect_uris.add(CALLBACK)
        fake.user = OidcUser(email=new_email("google"))
        yield fake
        assert fake.errors == []


@pytest.fixture
def google_app(app_factory: Callable[..., FastAPI], idp: FakeOidc) -> FastAPI:
    return app_factory(
        google_issuer=idp.issuer, google_client_id=CLIENT_ID, google_client_secret=SecretStr(CLIENT_SECRET)
    )


@pytest.fixture
async def browser(google_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(google_app) as client:
        yield client


@dataclass
class Flow:
    start: httpx.Response
    authorize: httpx.Response
    callback: httpx.Response


async def go_to_provider(browser: httpx.AsyncClient) -> tuple[httpx.Response, httpx.Response]:
    """The app's redirect to the provider, and the provider's redirect back (not yet followed)."""
    start = await browser.get("/api/v1/auth/google/start")
    assert start.status_code == 302, start.text
    async with httpx.AsyncClient() as outside:
        authorize = await outside.get(start.headers["location"])
    assert authorize.status_code == 302, authorize.text
    assert authorize.headers["location"].startswith(CALLBACK)
    return start, authorize


async def sign_in_with_google(browser: httpx.AsyncClient) -> Flow:
    start, authorize = await go_to_provider(browser)
    callback = await browser.get(authorize.headers["location"])
    return Flow(start, authorize, callback)
