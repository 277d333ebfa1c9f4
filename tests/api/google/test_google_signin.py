"""Sign in with Google against a fake OpenID provider: the happy paths and every way the flow must fail."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from core.database import session_scope
from core.models import Integration, User
from tests.api.conftest import PASSWORD, SignUp, assert_problem, client_for, login, verify_email
from tests.api.google.conftest import CALLBACK, go_to_provider, sign_in_with_google
from tests.fakes.oidc import CLIENT_ID, FakeOidc


async def users_with(email: str) -> int:
    async with session_scope() as session:
        return int(
            await session.scalar(select(func.count()).select_from(User).where(User.email == email)) or 0
        )


async def google_links(user_id: int) -> list[Integration]:
    async with session_scope() as session:
        rows = await session.scalars(
            select(Integration).where(Integration.user_id == user_id, Integration.provider == "google")
        )
        return list(rows)


async def assert_signed_out(browser: httpx.AsyncClient) -> None:
    assert "runcoach_session" not in browser.cookies
    assert_problem(await browser.get("/api/v1/me"), 401)


async def test_start_redirects_with_state_nonce_and_pkce(browser: httpx.AsyncClient, idp: FakeOidc) -> None:
    start = await browser.get("/api/v1/auth/google/start")
    assert start.status_code == 302
    target = urlsplit(start.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{idp.issuer}/authorize"
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["client_id"] == CLIENT_ID and query["redirect_uri"] == CALLBACK
    assert query["response_type"] == "code" and set(query["scope"].split()) == {"openid", "email", "profile"}
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 43 and len(query["nonce"]) >= 43 and query["state"] != query["nonce"]
    assert browser.cookies.get("runcoach_google_state") == query["state"]
    cookie = start.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


async def test_a_new_google_user_gets_an_account_and_a_session(
    browser: httpx.AsyncClient, idp: FakeOidc
) -> None:
    flow = await sign_in_with_google(browser)
    assert flow.callback.status_code == 303, flow.callback.text
    assert flow.callback.headers["location"] == "/"
    me = await browser.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["email"] == idp.user.email
    assert me.json()["display_name"] == idp.user.name
    assert me.json()["email_verified_at"] is not None, "Google verified the address"
    [link] = await google_links(me.json()["id"])
    assert link.external_id == idp.user.sub
    # the same session cookie as a password sign-in: cookie-authenticated writes need the CSRF token
    csrf = browser.cookies["runcoach_csrf"]
    changed = await browser.patch(
        "/api/v1/me", json={"display_name": "Renamed"}, headers={"X-CSRF-Token": csrf}
    )
    assert changed.status_code == 200, changed.text
    # the token endpoint got the verifier and the code once
    [token_call] = idp.requests_to("^/token$", method="POST")
    assert b"code_verifier=" in token_call.body


async def test_google_is_not_joined_to_an_account_whose_email_was_never_verified(
    browser: httpx.AsyncClient, idp: FakeOidc, sign_up: SignUp
) -> None:
    """Pre-account hijack: someone registers the victim's address with a password of their own; the
    victim's Google sign-in must not join that account (the stranger's password would keep working)."""
    squatter = await sign_up(email=idp.user.email)
    flow = await sign_in_with_google(browser)
    detail = assert_problem(flow.callback, 401, "google_signin_failed")["detail"]
    assert "never confirmed" in detail and "not joined" in detail
    await assert_signed_out(browser)
    assert await google_links(squatter.user_id) == []
    assert await users_with(idp.user.email) == 1


async def test_google_links_to_the_existing_account_with_that_verified_email(
    browser: httpx.AsyncClient, idp: FakeOidc, sign_up: SignUp, google_app: FastAPI
) -> None:
    account = await sign_up(email=idp.user.email)
    await verify_email(account)
    flow = await sign_in_with_google(browser)
    assert flow.callback.status_code == 303, flow.callback.text
    me = await browser.get("/api/v1/me")
    assert me.json()["id"] == account.user_id
    assert await users_with(idp.user.email) == 1
    # the password still works beside Google
    async with client_for(google_app) as other:
        assert (await login(other, account.email, PASSWORD)).status_code == 200


async def test_a_returning_user_is_found_by_subject_even_with_a_new_email(
    browser: httpx.AsyncClient, idp: FakeOidc
) -> None:
    first = await sign_in_with_google(browser)
    assert first.callback.status_code == 303
    user_id = (await browser.get("/api/v1/me")).json()["id"]
    browser.cookies.clear()
    idp.user.email = "renamed-" + idp.user.email
    again = await sign_in_with_google(browser)
    assert again.callback.status_code == 303, again.callback.text
    assert (await browser.get("/api/v1/me")).json()["id"] == user_id


async def test_a_tampered_state_is_refused(browser: httpx.AsyncClient) -> None:
    _, authorize = await go_to_provider(browser)
    url = authorize.headers["location"].replace("state=", "state=x")
    assert_problem(await browser.get(url), 401, "google_signin_failed")
    await assert_signed_out(browser)


async def test_a_callback_in_another_browser_is_refused(browser: httpx.AsyncClient) -> None:
    _, authorize = await go_to_provider(browser)
    browser.cookies.delete("runcoach_google_state")  # e.g. a link sent to a victim (login CSRF)
    assert_problem(await browser.get(authorize.headers["location"]), 401, "google_signin_failed")
    await assert_signed_out(browser)


async def test_a_callback_works_once(browser: httpx.AsyncClient) -> None:
    flow = await sign_in_with_google(browser)
    assert flow.callback.status_code == 303
    browser.cookies.delete("runcoach_session")
    browser.cookies.set(
        "runcoach_google_state", parse_qs(urlsplit(flow.authorize.headers["location"]).query)["state"][0]
    )
    replay = await browser.get(flow.authorize.headers["location"])
    body = assert_problem(replay, 401, "google_signin_failed")
    assert "already used" in body["detail"]


async def test_a_wrong_nonce_is_refused(browser: httpx.AsyncClient, idp: FakeOidc) -> None:
    idp.claim_overrides = {"nonce": "someone-elses-nonce"}
    flow = await sign_in_with_google(browser)
    body = assert_problem(flow.callback, 401, "id_token_invalid")
    assert "nonce" in body["detail"]
    await assert_signed_out(browser)
    assert await users_with(idp.user.email) == 0


async def test_an_expired_id_token_is_refused(browser: httpx.AsyncClient, idp: FakeOidc) -> None:
    now = int(time.time())
    idp.claim_overrides = {"iat": now - 7200, "exp": now - 3600}
    flow = await sign_in_with_google(browser)
    assert "expired" in assert_problem(flow.callback, 401, "id_token_invalid")["detail"]
    assert await users_with(idp.user.email) == 0


async def test_a_bad_signature_is_refused(browser: httpx.AsyncClient, idp: FakeOidc) -> None:
    idp.sign_with = "rogue"  # a key of its own, under the provider's key id
    flow = await sign_in_with_google(browser)
    assert "signature" in assert_problem(flow.callback, 401, "id_token_invalid")["detail"]
    assert await users_with(idp.user.email) == 0


async def test_an_unsigned_token_is_refused(browser: httpx.AsyncClient, idp: FakeOidc) -> None:
    idp.sign_with = "none"
    flow = await sign_in_with_google(browser)
    assert "algorithm" in assert_problem(flow.callback, 401, "id_token_invalid")["detail"]


async def test_a_token_for_another_app_or_issuer_is_refused(
    browser: httpx.AsyncClient, idp: FakeOidc
) -> None:
    idp.claim_overrides = {"aud": "another-app", "azp": "another-app"}
    assert (
        "another application"
        in assert_problem((await sign_in_with_google(browser)).callback, 401, "id_token_invalid")["detail"]
    )
    idp.claim_overrides = {"iss": "https://evil.example.com"}
    assert (
        "someone else"
        in assert_problem((await sign_in_with_google(browser)).callback, 401, "id_token_invalid")["detail"]
    )


async def test_an_unverified_email_is_refused_and_creates_nothing(
    browser: httpx.AsyncClient, idp: FakeOidc, sign_up: SignUp
) -> None:
    idp.user.email_verified = False
    flow = await sign_in_with_google(browser)
    assert "not verified" in assert_problem(flow.callback, 401, "google_signin_failed")["detail"]
    assert await users_with(idp.user.email) == 0
    # nor does it take over an existing account with that address
    account = await sign_up(email=idp.user.email)
    flow = await sign_in_with_google(browser)
    assert_problem(flow.callback, 401, "google_signin_failed")
    assert await google_links(account.user_id) == []


async def test_the_user_saying_no_at_google_is_a_clear_error(
    browser: httpx.AsyncClient, idp: FakeOidc
) -> None:
    idp.deny = True
    flow = await sign_in_with_google(browser)
    assert "access_denied" in assert_problem(flow.callback, 401, "google_signin_failed")["detail"]
    assert idp.requests_to("^/token$") == []


async def test_not_configured_is_a_clear_404(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/api/v1/auth/google/start"), 404, "not_found")
    assert "RUNCOACH_GOOGLE_CLIENT_ID" in body["detail"]


async def test_a_second_google_account_cannot_replace_the_link(
    browser: httpx.AsyncClient, idp: FakeOidc
) -> None:
    """Another Google subject with the same verified email does not take over the linked account."""
    first = await sign_in_with_google(browser)
    assert first.callback.status_code == 303
    browser.cookies.clear()
    idp.user.sub = "another-subject"
    second = await sign_in_with_google(browser)
    assert_problem(second.callback, 409, "conflict")
    await assert_signed_out(browser)
