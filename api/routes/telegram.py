"""Telegram: link codes for the settings page, the link's state, unlinking, and the bot's webhook.

The webhook (production) is served only when `RUNCOACH_TELEGRAM_WEBHOOK_SECRET` and the bot token are
set; Telegram sends the secret in `X-Telegram-Bot-Api-Secret-Token` and anything else is refused (403)
before the body is read. The update is queued and the request answered at once.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Header, Request, Response, status

from api.deps import CurrentUser, RedisDep, SessionDep, SettingsDep
from api.errors import problem_responses
from core.errors import Forbidden, InvalidInput, NotFound
from tools.notifications import telegram_link

TAGS = [{"name": "telegram", "description": "Link a Telegram chat; the bot's webhook"}]
router = APIRouter(prefix="/telegram", tags=["telegram"])


@router.post(
    "/link-code",
    status_code=status.HTTP_201_CREATED,
    summary="Create a one-time code to link a Telegram chat",
    description="Send `/start CODE` to the bot within 10 minutes. A new code replaces the previous one.",
)
async def create_link_code(user: CurrentUser, redis: RedisDep, response: Response) -> telegram_link.LinkCode:
    response.headers["Cache-Control"] = "no-store"
    return await telegram_link.create_link_code(redis, user.id)


@router.get("/link", summary="Whether a Telegram chat is linked")
async def get_link(user: CurrentUser, session: SessionDep) -> telegram_link.TelegramLink:
    return await telegram_link.telegram_link(session, user.id)


@router.delete(
    "/link",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Unlink the Telegram chat",
    responses=problem_responses(404),
)
async def delete_link(user: CurrentUser, session: SessionDep) -> None:
    if not await telegram_link.unlink(session, user_id=user.id):
        raise NotFound("No Telegram chat is linked to your account.")


@router.post(
    "/webhook",
    summary="Telegram's webhook (called by Telegram, not by people)",
    responses=problem_responses(403, 404, 422),
    include_in_schema=False,
)
async def webhook(
    request: Request,
    settings: SettingsDep,
    secret: str | None = Header(default=None, alias="X-Telegram-Bot-Api-Secret-Token"),
) -> dict[str, Any]:
    expected = settings.telegram_webhook_secret
    if expected is None or settings.telegram_bot_token is None:
        raise NotFound("The Telegram webhook is not enabled on this server.")
    if secret is None or not hmac.compare_digest(secret.encode(), expected.get_secret_value().encode()):
        raise Forbidden("Wrong or missing Telegram secret token.")
    try:
        payload = await request.json()
    except ValueError as exc:
        raise InvalidInput("The webhook body is not JSON.") from exc
    if not isinstance(payload, dict) or "update_id" not in payload:
        raise InvalidInput("The webhook body is not a Telegram update.")
    from bots.telegram.app import accept_update

    await accept_update(settings, payload)
    return {"ok": True}
