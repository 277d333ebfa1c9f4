"""Push sync: Strava's webhook and Garmin's push endpoint (called by those services, not by people).

- `GET /webhooks/strava`: Strava's subscription handshake; `POST /webhooks/strava`: its events.
  Served when `RUNCOACH_STRAVA_WEBHOOK_VERIFY_TOKEN` is set (else 404).
- `POST /webhooks/garmin`: Garmin activity push/ping notifications. Served when `RUNCOACH_GARMIN_PUSH_TOKEN`
  is set (else 404), and only with that token in the `X-RunCoach-Push-Token` header (else 403, before the
  body is read). Its body may be at most `MAX_BODY_BYTES`, enforced while it is read (`api.body_limit`).
  A header rather than a token in the path, because paths are written to access logs.

No user sign-in (so no session cookie and no CSRF check applies); every call counts against a per-IP rate
limit (`RUNCOACH_RATE_LIMIT_WEBHOOK_IP`). Each answers at once: imports run as jobs. The logic is in
`tools.integrations.push`.
"""

from __future__ import annotations

import hmac
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import ValidationError

from api.deps import RedisDep, SessionDep, SettingsDep, rate_limit
from api.errors import problem_responses
from core.errors import Forbidden, InvalidInput, NotFound
from tools.integrations.push import garmin_events, strava_events
from tools.integrations.push.receipt import PushReceipt

TAGS = [{"name": "webhooks", "description": "Strava's webhook and Garmin's push endpoint (push sync)"}]
router = APIRouter(prefix="/webhooks", tags=["webhooks"])

PUSH_TOKEN_HEADER = "X-RunCoach-Push-Token"
GARMIN_PUSH_PATH = "/webhooks/garmin"
#: the Garmin push body limit (api.body_limit stops reading past it: a 413)
MAX_BODY_BYTES = 5 * 2**20

_limited = rate_limit(
    "webhook",
    lambda s: s.rate_limit_webhook_ip,
    per="ip",
    message="Too many webhook calls from this address.",
)


def _strava_enabled(settings: SettingsDep) -> None:
    if settings.strava_webhook_verify_token is None:
        raise NotFound(strava_events.NOT_ENABLED)


@router.get(
    "/strava",
    summary="Strava's subscription handshake",
    dependencies=[_limited],
    responses=problem_responses(403, 404, 422, 429),
    include_in_schema=False,
)
async def strava_handshake(
    settings: SettingsDep,
    mode: Annotated[str | None, Query(alias="hub.mode", max_length=32)] = None,
    verify_token: Annotated[str | None, Query(alias="hub.verify_token", max_length=512)] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=512)] = None,
) -> dict[str, str]:
    return strava_events.answer_handshake(settings, mode=mode, verify_token=verify_token, challenge=challenge)


@router.post(
    "/strava",
    summary="Strava's webhook events",
    dependencies=[_limited, Depends(_strava_enabled)],
    responses=problem_responses(404, 422, 429),
    include_in_schema=False,
)
async def strava_event(
    event: strava_events.StravaEvent, session: SessionDep, redis: RedisDep, settings: SettingsDep
) -> PushReceipt:
    return await strava_events.handle_event(session, redis, settings, event)


@router.post(
    "/garmin",
    summary="Garmin's activity push notifications",
    dependencies=[_limited],
    responses=problem_responses(403, 404, 413, 422, 429),
    include_in_schema=False,
)
async def garmin_push(
    request: Request,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    token: Annotated[str | None, Header(alias=PUSH_TOKEN_HEADER)] = None,
) -> PushReceipt:
    expected = settings.garmin_push_token
    if expected is None:
        raise NotFound("The Garmin push endpoint is not enabled on this server (RUNCOACH_GARMIN_PUSH_TOKEN).")
    if token is None or not hmac.compare_digest(token.encode(), expected.get_secret_value().encode()):
        raise Forbidden(f"Wrong or missing {PUSH_TOKEN_HEADER} header.")
    body = await request.body()  # at most MAX_BODY_BYTES: api.body_limit answers 413 past it, mid-read
    try:
        push = garmin_events.GarminPush.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:
        raise InvalidInput(
            'The body is not a Garmin push notification: a JSON object like {"activities": [{"userId": …, '
            '"summaryId": …, "startTimeInSeconds": …}]}.'
        ) from exc
    return await garmin_events.handle_push(session, redis, push)
