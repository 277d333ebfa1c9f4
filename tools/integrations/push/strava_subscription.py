"""Strava's push subscription (one per Strava app): create, list, delete — with stravalib — and whether an
event's `subscription_id` is ours.

- Creating it makes Strava call our callback's GET handshake before it answers (see `strava_events`), so
  the api role must be reachable at the callback URL, with `RUNCOACH_STRAVA_WEBHOOK_VERIFY_TOKEN` set,
  when `runcoach strava subscribe` runs.
- The subscription calls authenticate with the app's client id and secret, never a user's token.
  stravalib sends them in a form body, except for listing, which Strava only takes in the query string.
- Which subscription is ours: `RUNCOACH_STRAVA_SUBSCRIPTION_ID` when set; otherwise Strava's own list,
  cached in Redis for `CACHE_TTL_S` and asked again (at most every `REFRESH_EVERY_S`) when an event names
  another id, so a new subscription is recognised without a restart. If Strava cannot be asked (no app
  credentials, not reachable within `LOOKUP_TIMEOUT_S`) the id is not checked and the event is handled: a
  forged event can do little (imports read Strava with the athlete's own token; nothing is ever deleted).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from redis.asyncio import Redis

from core.errors import CoachError, IntegrationError, NotConfigured
from core.settings import Settings
from tools.strava.client import StravaApi, app_credentials, translate_error

log = logging.getLogger(__name__)

T = TypeVar("T")

CALLBACK_PATH = "/api/v1/webhooks/strava"
CACHE_KEY = "runcoach:strava:push-subscriptions"
REFRESH_KEY = "runcoach:strava:push-subscriptions:asked"
CACHE_TTL_S = 3600
REFRESH_EVERY_S = 60
LOOKUP_TIMEOUT_S = 1.0


class StravaSubscription(BaseModel):
    id: int
    callback_url: str | None = None
    created_at: datetime | None = None


def callback_url(settings: Settings) -> str:
    """Where Strava sends events: the configured URL, else `{public_url}/api/v1/webhooks/strava`."""
    if settings.strava_webhook_callback_url:
        return settings.strava_webhook_callback_url
    if settings.public_url:
        return settings.public_url.rstrip("/") + CALLBACK_PATH
    raise NotConfigured(
        "Strava needs a public callback URL: set RUNCOACH_PUBLIC_URL "
        "(or RUNCOACH_STRAVA_WEBHOOK_CALLBACK_URL)."
    )


def _verify_token(settings: Settings) -> str:
    if settings.strava_webhook_verify_token is None:
        raise NotConfigured(
            "Set RUNCOACH_STRAVA_WEBHOOK_VERIFY_TOKEN (any hard-to-guess string) on the api and here first: "
            "Strava checks our callback with it."
        )
    return settings.strava_webhook_verify_token.get_secret_value()


async def _call(what: str, call: Callable[[StravaApi], T]) -> T:
    api = StravaApi()  # no user token: these calls authenticate as the app
    try:
        return await asyncio.to_thread(call, api)
    except Exception as error:
        raise translate_error(error, api.recorder, what=what) from error


def _subscription(model: Any) -> StravaSubscription:
    return StravaSubscription(
        id=int(model.id),
        callback_url=getattr(model, "callback_url", None),
        created_at=getattr(model, "created_at", None),
    )


async def create_subscription(settings: Settings) -> StravaSubscription:
    """Subscribe this server to Strava's events (Strava first checks the callback's handshake)."""
    token = _verify_token(settings)
    url = callback_url(settings)
    client_id, secret = app_credentials()
    try:
        created = await _call(
            "creating the push subscription",
            lambda api: api.create_subscription(client_id, secret, url, verify_token=token),
        )
    except IntegrationError as error:
        raise IntegrationError(
            f"{error.message} Strava calls {url} (GET, the handshake) before it subscribes: that URL must "
            "reach the api role, which needs the same RUNCOACH_STRAVA_WEBHOOK_VERIFY_TOKEN. Strava allows "
            "one subscription per app: see `runcoach strava subscriptions`.",
            details=error.details,
        ) from error
    if created.id is None:
        raise IntegrationError(
            "Strava accepted the subscription but sent no id; see `runcoach strava subscriptions`."
        )
    return StravaSubscription(id=int(created.id), callback_url=created.callback_url or url, created_at=None)


async def list_subscriptions() -> list[StravaSubscription]:
    client_id, secret = app_credentials()
    found = await _call(
        "listing push subscriptions", lambda api: list(api.list_subscriptions(client_id, secret))
    )
    return [_subscription(s) for s in found]


async def delete_subscription(subscription_id: int) -> None:
    client_id, secret = app_credentials()
    await _call(
        f"deleting push subscription {subscription_id}",
        lambda api: api.delete_subscription(subscription_id, client_id, secret),
    )


async def _cached_ids(redis: Redis) -> set[int] | None:
    raw = await redis.get(CACHE_KEY)
    if raw is None:
        return None
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    return {int(part) for part in text.split(",") if part}


async def _ask_strava(redis: Redis) -> set[int] | None:
    try:
        found = await asyncio.wait_for(list_subscriptions(), LOOKUP_TIMEOUT_S)
    except (CoachError, TimeoutError) as error:
        reason = error.message if isinstance(error, CoachError) else "no answer in time"
        log.warning("could not ask Strava for our push subscription (%s); event not checked", reason)
        return None
    ids = {s.id for s in found}
    await redis.set(CACHE_KEY, ",".join(str(i) for i in sorted(ids)), ex=CACHE_TTL_S)
    return ids


async def is_our_subscription(redis: Redis, settings: Settings, subscription_id: int) -> bool | None:
    """True or False; None when it cannot be told (see the module docstring: then the event is handled)."""
    if settings.strava_subscription_id is not None:
        return subscription_id == settings.strava_subscription_id
    ids = await _cached_ids(redis)
    if ids is not None and subscription_id in ids:
        return True
    if await redis.set(REFRESH_KEY, "1", nx=True, ex=REFRESH_EVERY_S):
        fresh = await _ask_strava(redis)
        ids = fresh if fresh is not None else ids
    if ids is None:
        return None
    return subscription_id in ids
