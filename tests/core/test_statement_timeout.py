"""Every connection of the application's engine has a statement timeout: a runaway query ends with an error
instead of holding its connection and locks."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.database import create_engine
from core.runtime import Services
from core.settings import get_settings


async def test_a_statement_longer_than_the_timeout_is_cancelled(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "statement_timeout_s", 0.5)
    engine = create_engine(services.database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SHOW statement_timeout"))).scalar() == "500ms"
            with pytest.raises(DBAPIError, match="statement timeout"):
                await conn.execute(text("SELECT pg_sleep(3)"))
    finally:
        await engine.dispose()
