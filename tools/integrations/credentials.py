"""Third-party credentials on the Integration row: one JSON object per (user, provider), Fernet-encrypted.

This module is the only place that encrypts or decrypts them. What is stored is what the provider gave us
(Garmin's session tokens, Strava's OAuth tokens), never a password. Non-secret facts about the connection
(display name, granted scopes, a status message for the user) live in `Integration.settings`.

Statuses: `connected`, `needs_reauth` (the provider rejected our tokens: the user must connect again).
Functions here flush at most; the caller's unit of work commits. Two are their own short unit of work, for
the provider clients, which work outside any request: `load_credentials` (read the tokens),
`save_rotated_credentials` (a provider that rotates its refresh token stops accepting the old one at once)
and `record_needs_reauth` (the provider's refusal is kept whatever becomes of the job that met it).
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.ext.asyncio import AsyncSession

from core.database import session_scope
from core.errors import NotFound, ReauthRequired
from core.models import Integration
from core.runtime import fernet_key
from tools.integrations.repository import Integrations

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
    return await Integrations(session, user_id).of(provider, for_update=for_update)


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
        integration = Integrations(session, user_id).add(
            Integration(provider=provider, status=CONNECTED, settings={})
        )
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


async def record_needs_reauth(user_id: int, provider: Provider, message: str) -> None:
    """`mark_needs_reauth` in its own unit of work, committed at once."""
    async with session_scope() as session:
        await mark_needs_reauth(session, user_id, provider, message)


async def save_rotated_credentials(
    user_id: int, provider: Provider, credentials: dict[str, Any], *, expires_at: datetime | None
) -> None:
    """`save_credentials` (a token refresh: the status stays) in its own unit of work, committed at once."""
    async with session_scope() as session:
        await save_credentials(session, user_id, provider, credentials, expires_at=expires_at)


async def load_credentials(user_id: int, provider: Provider) -> tuple[dict[str, Any], dict[str, Any]]:
    """The user's decrypted credentials for `provider` and the connection's settings, read in their own unit
    of work. Raises like `require_integration` (not connected, or must be connected again)."""
    async with session_scope() as session:
        integration = await require_integration(session, user_id, provider)
        return read_credentials(integration), dict(integration.settings or {})


async def set_last_sync(session: AsyncSession, user_id: int, provider: Provider, at: datetime) -> None:
    integration = await get_integration(session, user_id, provider, for_update=True)
    if integration is not None:
        integration.last_sync_at = at
        await session.flush()


async def remove_integration(session: AsyncSession, user_id: int, provider: Provider) -> bool:
    """Forget the connection and its tokens (the user disconnects). Imported data stays."""
    return await Integrations(session, user_id).remove(provider)
