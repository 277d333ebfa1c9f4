"""A provider's account id (Strava athlete id, Garmin user id) → our integrations with that provider.

The id is stored on the connection as `Integration.external_id` when the athlete connects: Strava's athlete
id from the OAuth exchange, Garmin's profile id from the sign-in. Several RunCoach accounts may have
connected the same provider account; each gets its own action.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Integration
from tools.integrations.credentials import Provider


async def integrations_for(session: AsyncSession, provider: Provider, external_id: str) -> list[Integration]:
    rows = await session.execute(
        select(Integration)
        .where(Integration.provider == provider, Integration.external_id == external_id)
        .order_by(Integration.user_id)
    )
    return list(rows.scalars())
