"""E-mail verification through a real SMTP server (aiosmtpd): the link, the neutral sign-up answer, and
what verification guards (accepting a coach invitation). Google's side is in tests/api/google."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from core.models import User
from core.settings import get_settings
from tests.api.conftest import PASSWORD, assert_problem, client_for, login, new_email, register
from tests.support.smtp_sink import SmtpSink, body_of, link_token, smtp_sink
from tools.account.email_verification import make_token

__all__ = ["smtp_sink"]


@pytest.fixture
def mail_app(app_factory: Callable[..., FastAPI], smtp_sink: SmtpSink) -> FastAPI:
    return app_factory(**smtp_sink.settings())


@pytest.fixture
async def browser(mail_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(mail_app) as c:
        yield c


async def test_sign_up_mails_a_link_that_verifies_the_address(
    browser: httpx.AsyncClient, smtp_sink: SmtpSink
) -> None:
    email = new_email()
    created = await register(browser, email)
    assert created.status_code == 201, created.text
    assert created.json()["delivery"] == "email"
    [mail] = await smtp_sink.wait_for(email)
    assert mail["Subject"] == "Confirm your e-mail address for RunCoach"
    assert (await login(browser, email)).status_code == 200
    assert (await browser.get("/api/v1/me")).json()["email_verified_at"] is None

    verified = await browser.post("/api/v1/auth/verify-email", json={"token": link_token(mail)})
    assert verified.status_code == 200, verified.text
    assert verified.json()["email_verified_at"] is not None
    assert (await browser.get("/api/v1/me")).json()["email_verified_at"] is not None
    again = await browser.post("/api/v1/auth/verify-email", json={"token": link_token(mail)})
    assert again.status_code == 200, "a link used twice is harmless"
    assert_problem(await browser.post("/api/v1/auth/verify-email/send"), 409, "conflict")


async def test_sign_up_does_not_say_which_addresses_have_accounts(
    browser: httpx.AsyncClient, smtp_sink: SmtpSink
) -> None:
    email = new_email()
    first = await register(browser, email)
    second = await register(browser, email.upper(), "another long passphrase")
    assert first.status_code == second.status_code == 201, second.text
    assert first.json() == second.json() | {"message": first.json()["message"]}
    assert first.json()["message"].lower() == second.json()["message"].lower()
    welcome, already = await smtp_sink.wait_for(email, 2)
    assert welcome["Subject"].startswith("Confirm")
    assert already["Subject"] == "You already have a RunCoach account"
    assert "verify-email" not in body_of(already)
    # nothing changed on the existing account: its own password still works, the second does not
    assert (await login(browser, email)).status_code == 200
    assert (await login(browser, email, "another long passphrase")).status_code == 401


async def test_bad_expired_and_stale_links_are_refused(
    browser: httpx.AsyncClient, smtp_sink: SmtpSink
) -> None:
    email = new_email()
    await register(browser, email)
    [mail] = await smtp_sink.wait_for(email)
    token = link_token(mail)
    user_id = int(token.split(".")[0])
    for bad in (token[:-2] + "xx", "1.2.3", "nonsense", f"{user_id + 1}.{token.split('.', 1)[1]}"):
        assert_problem(await browser.post("/api/v1/auth/verify-email", json={"token": bad}), 422)
    settings = get_settings()
    expired = make_token(settings, User(id=user_id, email=email), now=datetime.now(UTC) - timedelta(days=30))
    assert_problem(await browser.post("/api/v1/auth/verify-email", json={"token": expired}), 422)
    # a link for an address the account no longer has
    stale = make_token(settings, User(id=user_id, email="old-" + email))
    assert_problem(await browser.post("/api/v1/auth/verify-email", json={"token": stale}), 422)
    assert (await login(browser, email)).status_code == 200
    assert (await browser.get("/api/v1/me")).json()["email_verified_at"] is None


async def test_a_new_link_can_be_asked_for(browser: httpx.AsyncClient, smtp_sink: SmtpSink) -> None:
    email = new_email()
    await register(browser, email)
    await login(browser, email)
    sent = await browser.post("/api/v1/auth/verify-email/send")
    assert sent.status_code == 202, sent.text
    _, second = await smtp_sink.wait_for(email, 2)
    assert (await browser.post("/api/v1/auth/verify-email", json={"token": link_token(second)})).is_success


async def test_only_the_verified_holder_of_the_address_can_accept_an_invitation(
    mail_app: FastAPI, smtp_sink: SmtpSink
) -> None:
    """Before: whoever registered the invited address first accepted and read the athlete's feed."""
    coach_email = new_email("coach")
    async with client_for(mail_app) as athlete, client_for(mail_app) as squatter:
        await register(athlete, athlete_email := new_email("athlete"))
        await login(athlete, athlete_email)
        invited = await athlete.post("/api/v1/coaching/coaches", json={"email": coach_email})
        assert invited.status_code == 201, invited.text
        link_id = invited.json()["id"]

        await register(squatter, coach_email)
        await login(squatter, coach_email)
        overview = (await squatter.get("/api/v1/coaching")).json()
        assert overview["invitations"] == [], "an unverified account does not even see it"
        refused = assert_problem(await squatter.post(f"/api/v1/coaching/invitations/{link_id}/accept"), 403)
        assert "Confirm" in refused["detail"]
        assert_problem(await squatter.delete(f"/api/v1/coaching/athletes/{link_id}"), 404)
        still = (await athlete.get("/api/v1/coaching")).json()["coaches"]
        assert [c["status"] for c in still] == ["pending"]

        [mail] = await smtp_sink.wait_for(coach_email)
        verified = await squatter.post("/api/v1/auth/verify-email", json={"token": link_token(mail)})
        assert verified.status_code == 200
        assert len((await squatter.get("/api/v1/coaching")).json()["invitations"]) == 1
        accepted = await squatter.post(f"/api/v1/coaching/invitations/{link_id}/accept")
        assert accepted.status_code == 200, accepted.text


async def test_without_smtp_the_link_goes_to_the_server_log_and_the_answer_says_so(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    email = new_email()
    with caplog.at_level(logging.WARNING, logger="tools.account.mailer"):
        created = await register(client, email, PASSWORD)
    assert created.status_code == 201
    assert created.json()["delivery"] == "server_log"
    assert "log" in created.json()["message"] and "admin" in created.json()["message"]
    [record] = [r for r in caplog.records if email in r.getMessage()]
    assert "/verify-email?token=" in record.getMessage()
