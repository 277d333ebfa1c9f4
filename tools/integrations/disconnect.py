"""Disconnecting a provider (the Settings page's button): each provider forgets its own way (Garmin drops a
sign-in in progress; Strava is asked to revoke our access first), and both answer the same NotFound when
there was nothing to disconnect. Imported data stays."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from tools.garmin.auth import disconnect_garmin
from tools.integrations.credentials import PROVIDER_NAMES, Provider
from tools.strava.oauth import disconnect_strava


async def disconnect(session: AsyncSession, user_id: int, provider: Provider) -> None:
    """Forget the user's connection with `provider`; NotFound when it was not connected."""
    forget = disconnect_garmin if provider == "garmin" else disconnect_strava
    if not await forget(session, user_id):
        raise NotFound(f"{PROVIDER_NAMES[provider]} is not connected, so there is nothing to disconnect.")
