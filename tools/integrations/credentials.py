"""Third-party credentials on the Integration row: one JSON object per (user, provider), Fernet-encrypted.

This module is the only place that encrypts or decrypts them. What is stored is what the provider gave us
(Garmin's session tokens, Strava's OAuth tokens), never a password. Non-secret facts about the connection
(display name, granted scopes, a status message for the user) live in `Integration.settings`.

Statuses: `connected`, `needs_reauth` (the provider rejected our tokens: the user must connect again).
Functions here flush at most; the caller's unit of work commits.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound, ReauthRequired
from core.models import Integration
from core.runtime import fernet_key

Provider = Literal["garmin", "strava"]
CONNECTED = "connected"
NEEDS_REAUTH = "needs_reauth"

PROVIDER_NAMES = {"garmin": "Garmin Connect", "strava": "Strava"}


@lru_cache(maxsize=4)
def _fernet(key: bytes) -> Fernet:
    return Fernet(key)


def encrypt_credentials(credentials: dict[str, Any]) -> bytes:
    return _fernet(fernet_key()).encrypt(json.dumps(credentials, separators=(",", ":")).encode())


def decrypt_credentials(blob: bytes, *, provider: str = "the service") -> dict[str, Any]:
    try:
        data = json.loads(_fernet(fernet_key()).decrypt(blob))
    except (InvalidToken, ValueError) as exc:
        name = PROVIDER_NAMES.get(provider, provider)
        raise ReauthRequired(
            f"The saved {name} sign-in can no longer be read (the server's encryption key changed?). "
            f"Connect {name} again."
        ) from exc
    if not isinstance(data, dict):
        raise ReauthRequired(
            f"The saved {PROVIDER_NAMES.get(provider, provider)} sign-in is damaged. Connect again."
        )
    return data


async def get_integration(
    session: AsyncSession, user_id: int, provider: Provider, *, for_update: bool = False
) -> Integration | None:
    stmt = select(Integration).where(Integration.user_id == user_id, Integration.provider == provider)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def require_integration(session: AsyncSession, user_id: int, provider: Provider) -> Integration:
    """The user's connection, usable: raises NotFound (never connected) or ReauthRequired (rejected)."""
    integration = await get_integration(session, user_id, provider)
    name = PROVIDER_NAMES[provider]
    if integration is None or integration.credentials_encrypted is None:
        raise NotFound(f"{name} is not connected. Connect it in Settings first.")
    if integration.status == NEEDS_REAUTH:
        reason = (integration.settings or {}).get("status_message")
        raise ReauthRequired(
            reason or f"{name} needs you to connect again (it no longer accepts our sign-in)."
        )
    return integration


def read_credentials(integration: Integration) -> dict[str, Any]:
    if integration.credentials_encrypted is None:
        raise NotFound(f"{PROVIDER_NAMES.get(integration.provider, integration.provider)} is not connected.")
    return decrypt_credentials(integration.credentials_encrypted, provider=integration.provider)


async def save_credentials(
    session: AsyncSession,
    user_id: int,
    provider: Provider,
    credentials: dict[str, Any],
    *,
    external_id: str | None = None,
    expires_at: datetime | None = None,
    settings: dict[str, Any] | None = None,
    reconnect: bool = False,
) -> Integration:
    """Store (encrypted) credentials for the user's connection, creating the row if needed.

    `reconnect=True` (a fresh sign-in) also sets the status back to `connected`; a token refresh keeps the
    status as it is. `settings` is merged into the row's settings."""
    integration = await get_integration(session, user_id, provider, for_update=True)
    if integration is None:
        integration = Integration(user_id=user_id, provider=provider, status=CONNECTED, settings={})
        session.add(integration)
    integration.credentials_encrypted = encrypt_credentials(credentials)
    if external_id is not None:
        integration.external_id = external_id
    integration.expires_at = expires_at
    merged = dict(integration.settings or {})
    if settings:
        merged.update(settings)
    if reconnect:
        integration.status = CONNECTED
        merged.pop("status_message", None)
    integration.settings = merged
    await session.flush()
    return integration


async def mark_needs_reauth(session: AsyncSession, user_id: int, provider: Provider, message: str) -> None:
    """The provider rejected our tokens: keep the row (history, settings) and tell the user what to do."""
    integration = await get_integration(session, user_id, provider, for_update=True)
    if integration is None:
        return
    integration.status = NEEDS_REAUTH
    integration.settings = {**(integration.settings or {}), "status_message": message}
    await session.flush()


async def set_last_sync(session: AsyncSession, user_id: int, provider: Provider, at: datetime) -> None:
    integration = await get_integration(session, user_id, provider, for_update=True)
    if integration is not None:
        integration.last_sync_at = at
        await session.flush()


async def remove_integration(session: AsyncSession, user_id: int, provider: Provider) -> bool:
    """Forget the connection and its tokens (the user disconnects). Imported data stays."""
    result = await session.execute(
        delete(Integration).where(Integration.user_id == user_id, Integration.provider == provider)
    )
    return bool(getattr(result, "rowcount", 0))
