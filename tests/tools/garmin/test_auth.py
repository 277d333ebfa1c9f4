"""Connecting Garmin: the real garminconnect sign-in against the local fake, the MFA code handed over
through Redis, the session tokens stored encrypted and the password nowhere."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import session_scope
from core.errors import Conflict, InvalidInput
from core.models import User
from core.settings import get_settings
from tests.tools.garmin.helpers import (
    HealthDaysGarmin,
    committed_user,
    integration_of,
    redis_text,
    stored_credentials,
    tokens_in,
)
from tools.garmin.auth import (
    MfaTimedOut,
    connect_garmin,
    disconnect_garmin,
    garmin_login_state,
    start_garmin_login,
    submit_garmin_mfa,
)

EMAIL = "runner@example.com"
PASSWORD = "correct horse battery staple"
MFA_CODE = "424242"


@pytest.fixture
def garmin_mfa(monkeypatch: pytest.MonkeyPatch) -> Iterator[HealthDaysGarmin]:
    with HealthDaysGarmin(email=EMAIL, password=PASSWORD, mfa_code=MFA_CODE) as fake:
        monkeypatch.delenv("GARMINTOKENS", raising=False)
        fake.apply_env(monkeypatch)
        yield fake
        assert fake.errors == [] and fake.refused == []


@pytest.fixture
async def user(engine: AsyncEngine, redis: Redis) -> AsyncIterator[User]:
    async with committed_user() as user:
        yield user


async def test_mfa_sign_in_hands_the_code_over_and_stores_only_encrypted_tokens(
    garmin_mfa: HealthDaysGarmin, user: User, redis: Redis
) -> None:
    pending = await start_garmin_login(user.id, EMAIL, PASSWORD)
    assert pending.state == "needs_mfa" and "code" in pending.message
    assert (await garmin_login_state(user.id)) == pending  # what a polling UI sees

    done = await submit_garmin_mfa(user.id, f" {MFA_CODE[:3]} {MFA_CODE[3:]} ")  # spaces are forgiven
    assert done.state == "connected" and done.display_name == "mtamizi"
    assert done.login_id == pending.login_id

    verify = garmin_mfa.requests_to("/api/mfa/verifyCode")[-1]
    assert verify.json()["mfaVerificationCode"] == MFA_CODE

    integration = await integration_of(user.id, "garmin")
    assert integration.status == "connected" and integration.external_id
    assert integration.settings["display_name"] == "mtamizi"
    assert integration.expires_at is not None
    blob = integration.credentials_encrypted or b""
    tokens = tokens_in(await stored_credentials(user.id, "garmin"))
    issued = garmin_mfa.issued_access_tokens()
    assert tokens["di_token"] == issued[-1]
    for secret in (tokens["di_token"], tokens["di_refresh_token"], PASSWORD):
        assert secret.encode() not in blob  # encrypted at rest
        assert secret[:24].encode() not in blob

    # the password is nowhere: not in the database, not in Redis
    async with session_scope() as session:
        dump = (
            await session.execute(
                text(
                    "SELECT coalesce(string_agg(t::text, ' '), '') FROM ("
                    " SELECT row_to_json(i)::text AS t FROM integrations i WHERE user_id = :u"
                    " UNION ALL SELECT row_to_json(j)::text FROM jobs j WHERE user_id = :u"
                    " UNION ALL SELECT row_to_json(s)::text FROM sync_runs s WHERE user_id = :u) x"
                ),
                {"u": user.id},
            )
        ).scalar_one()
    assert PASSWORD not in dump and tokens["di_refresh_token"] not in dump
    everything_in_redis = await redis_text(redis)
    assert PASSWORD not in everything_in_redis and MFA_CODE not in everything_in_redis


async def test_a_wrong_code_can_be_corrected(garmin_mfa: HealthDaysGarmin, user: User) -> None:
    assert (await start_garmin_login(user.id, EMAIL, PASSWORD)).state == "needs_mfa"
    again = await submit_garmin_mfa(user.id, "000000")
    assert again.state == "needs_mfa" and "did not accept" in again.message and again.mfa_attempts == 1
    done = await submit_garmin_mfa(user.id, MFA_CODE)
    assert done.state == "connected"


async def test_waiting_for_the_code_times_out_with_a_clear_message(
    garmin_mfa: HealthDaysGarmin, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "garmin_mfa_timeout_s", 1)
    with pytest.raises(MfaTimedOut, match="No Garmin verification code arrived within 1 minute"):
        await connect_garmin(user.id, EMAIL, PASSWORD)
    state = await garmin_login_state(user.id)
    assert state is not None and state.state == "failed" and "Start connecting Garmin again" in state.message
    with pytest.raises(Conflict, match="No Garmin sign-in is waiting"):
        await submit_garmin_mfa(user.id, MFA_CODE)
    async with session_scope() as session:
        assert (
            await session.execute(
                text("SELECT count(*) FROM integrations WHERE user_id = :u"), {"u": user.id}
            )
        ).scalar_one() == 0


async def test_bad_password_and_bad_codes_are_clear_errors(garmin_mfa: HealthDaysGarmin, user: User) -> None:
    failed = await start_garmin_login(user.id, EMAIL, "wrong password")
    assert failed.state == "failed" and "did not accept this email and password" in failed.message
    with pytest.raises(InvalidInput, match="4 to 10 digits"):
        await submit_garmin_mfa(user.id, "abc")
    with pytest.raises(InvalidInput, match="email and password"):
        await start_garmin_login(user.id, " ", "")


async def test_a_newer_sign_in_replaces_the_waiting_one(garmin_mfa: HealthDaysGarmin, user: User) -> None:
    first = await start_garmin_login(user.id, EMAIL, PASSWORD)
    second = await start_garmin_login(user.id, EMAIL, PASSWORD)
    assert first.login_id != second.login_id and second.state == "needs_mfa"
    assert (await submit_garmin_mfa(user.id, MFA_CODE)).state == "connected"
    await asyncio.sleep(2.5)  # the replaced sign-in notices within one wait slice and ends quietly
    state = await garmin_login_state(user.id)
    assert state is not None and state.login_id == second.login_id and state.state == "connected"


async def test_disconnect_forgets_the_tokens(garmin_mfa: HealthDaysGarmin, user: User) -> None:
    garmin_mfa.mfa_code = None
    await connect_garmin(user.id, EMAIL, PASSWORD)
    async with session_scope() as session:
        assert await disconnect_garmin(session, user.id) is True
    async with session_scope() as session:
        assert await disconnect_garmin(session, user.id) is False
    assert await garmin_login_state(user.id) is None
