"""CSRF double submit for cookie writes; bearer requests exempt; session cookie flags."""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie

import httpx
from fastapi import FastAPI

from api.auth import CSRF_HEADER
from tests.api.conftest import SignUp, assert_problem, client_for, login, new_email, register


async def test_cookie_writes_need_the_csrf_header(sign_up: SignUp) -> None:
    account = await sign_up()
    c = account.client
    del c.headers[CSRF_HEADER]

    assert (await c.get("/api/v1/tokens")).status_code == 200  # safe methods need nothing
    missing = assert_problem(await c.post("/api/v1/tokens", json={"name": "x"}), 403, "csrf_failed")
    assert CSRF_HEADER in missing["detail"]
    assert_problem(await c.patch("/api/v1/me", json={"units": "imperial"}), 403, "csrf_failed")
    assert_problem(await c.post("/api/v1/tokens", json={"name": "x"}, headers={CSRF_HEADER: "guess"}), 403)

    # a planted cookie equal to the header is not enough: the token must be the one issued to this session
    planted = await c.post(
        "/api/v1/tokens",
        json={"name": "x"},
        headers={
            CSRF_HEADER: "planted",
            "Cookie": f"runcoach_session={account.session_cookie}; runcoach_csrf=planted",
        },
    )
    assert_problem(planted, 403, "csrf_failed")

    ok = await c.post("/api/v1/tokens", json={"name": "x"}, headers={CSRF_HEADER: account.csrf})
    assert ok.status_code == 201, ok.text


async def test_bearer_writes_need_no_csrf(app: FastAPI, sign_up: SignUp) -> None:
    account = await sign_up()
    token = (await account.client.post("/api/v1/tokens", json={"name": "cli"})).json()["token"]
    async with client_for(app, headers={"Authorization": f"Bearer {token}"}) as bearer:
        created = await bearer.post("/api/v1/chat/threads", json={"title": "from a script"})
        assert created.status_code == 201, created.text
        assert (await bearer.patch("/api/v1/me", json={"units": "imperial"})).status_code == 200
        # bearer wins over a cookie sent alongside: no CSRF demanded
        both = await bearer.post(
            "/api/v1/chat/threads", json={"title": "both"}, headers={"Cookie": "runcoach_session=junk"}
        )
        assert both.status_code == 201
        bad = await bearer.get("/api/v1/me", headers={"Authorization": "Bearer rc_00000000_nope"})
        assert "not valid" in assert_problem(bad, 401)["detail"]
        basic = await bearer.get("/api/v1/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
        assert_problem(basic, 401)


def _cookies(response: httpx.Response) -> dict[str, str]:
    """name → the raw Set-Cookie header, lower-cased."""
    out = {}
    for header in response.headers.get_list("set-cookie"):
        name = next(iter(SimpleCookie(header)))
        out[name] = header.lower()
    return out


async def _login_response(app: FastAPI, **headers: str) -> httpx.Response:
    async with client_for(app) as c:
        email = new_email()
        await register(c, email)
        response = await login(c, email)
        assert response.status_code == 200
        return await c.post(
            "/api/v1/auth/login",
            json={"email": email, "password": "correct horse battery staple"},
            headers=headers,
        )


async def test_session_cookie_flags_over_http(app: FastAPI) -> None:
    cookies = _cookies(await _login_response(app, **{"X-Forwarded-Proto": "https"}))
    session, csrf = cookies["runcoach_session"], cookies["runcoach_csrf"]
    assert (
        "httponly" in session and "samesite=lax" in session and "path=/" in session and "max-age=" in session
    )
    assert "httponly" not in csrf and "samesite=lax" in csrf
    assert "secure" not in session and "secure" not in csrf  # plain http, proxy headers not trusted


async def test_session_cookie_is_secure_behind_a_trusted_https_proxy(
    app_factory: Callable[..., FastAPI],
) -> None:
    app = app_factory(forwarded_allow_ips="127.0.0.1")
    cookies = _cookies(await _login_response(app, **{"X-Forwarded-Proto": "https"}))
    assert "secure" in cookies["runcoach_session"] and "secure" in cookies["runcoach_csrf"]
    assert "secure" not in _cookies(await _login_response(app))["runcoach_session"]


async def test_session_cookie_is_secure_when_the_public_url_is_https(
    app_factory: Callable[..., FastAPI],
) -> None:
    app = app_factory(public_url="https://coach.example.com")
    assert "secure" in _cookies(await _login_response(app))["runcoach_session"]


async def test_login_refuses_non_json_bodies(client: httpx.AsyncClient) -> None:
    """A cross-site HTML form can only send form or text bodies: those never reach the sign-in logic."""
    email = new_email()
    await register(client, email)
    form = await client.post(
        "/api/v1/auth/login",
        content=f'{{"email": "{email}", "password": "correct horse battery staple"}}',
        headers={"Content-Type": "text/plain"},
    )
    assert_problem(form, 422)
    assert "runcoach_session" not in client.cookies
