"""Integrations over HTTP: the app in-process, the real garminconnect and stravalib clients against the
local fakes (tests/fakes), the real worker when a sync must actually run."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import session_scope
from jobs import broker as job_broker
from tests.api.conftest import EMAIL_DOMAIN
from tests.support.worker import running_worker
from tests.tools.garmin.helpers import HealthDaysGarmin

GARMIN_EMAIL = "runner@example.com"
GARMIN_PASSWORD = "correct horse battery staple"
MFA_CODE = "424242"


@pytest.fixture
def garmin(monkeypatch: pytest.MonkeyPatch) -> Iterator[HealthDaysGarmin]:
    """The Garmin fake, asking for an MFA code on sign-in; the real garminconnect reaches it."""
    with HealthDaysGarmin(email=GARMIN_EMAIL, password=GARMIN_PASSWORD, mfa_code=MFA_CODE) as fake:
        monkeypatch.delenv("GARMINTOKENS", raising=False)
        fake.apply_env(monkeypatch)
        yield fake
        assert fake.errors == [], "the fake raised while answering"
        assert fake.refused == [], f"the client reached for hosts the fake does not serve: {fake.refused}"


@pytest.fixture(autouse=True)
def _fresh_broker() -> Iterator[None]:
    """Enqueuing builds the process's Taskiq broker on first use; start and end each test without one."""
    job_broker.use_broker(None)
    yield
    job_broker.use_broker(None)


@pytest.fixture
async def worker(engine: AsyncEngine, redis: Redis) -> AsyncIterator[None]:
    async with running_worker():
        yield


@pytest.fixture(autouse=True)
async def _delete_synced_samples(engine: AsyncEngine) -> AsyncIterator[None]:
    """Samples have no foreign key (see README), so deleting the test users does not remove them."""
    yield
    async with session_scope() as session:
        await session.execute(
            text(
                "DELETE FROM activity_samples WHERE user_id IN "
                "(SELECT id FROM users WHERE email LIKE :pattern)"
            ),
            {"pattern": f"%@{EMAIL_DOMAIN}"},
        )
