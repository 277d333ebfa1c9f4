"""The Telegram application: python-telegram-bot wired to `CoachBot`, for long polling or a webhook.

- `runcoach bot` runs `run_polling(settings)`: it removes any webhook and long-polls getUpdates.
- Webhook mode (production behind the API): `runcoach bot --set-webhook` registers
  `{public_url}/api/v1/telegram/webhook` with the secret token; the API route checks the
  `X-Telegram-Bot-Api-Secret-Token` header and hands the update to `webhook_application()`.
`settings.telegram_api_url` points the bot at another Bot API server (a local one, or the test fake).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bots.telegram.handlers import CoachBot
from core.settings import Settings

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/v1/telegram/webhook"
COMMANDS = (
    ("today", "readiness and today's session"),
    ("week", "the last seven days"),
    ("plan", "this week of your training plan"),
    ("sync", "fetch new activities from Garmin"),
    ("new", "start a new conversation"),
    ("unlink", "disconnect this chat"),
    ("help", "what I can do"),
)


def api_urls(settings: Settings) -> tuple[str, str]:
    base = settings.telegram_api_url.rstrip("/")
    return f"{base}/bot{{token}}", f"{base}/file/bot{{token}}"


def build_application(
    settings: Settings, coach: CoachBot | None = None
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot with every handler registered (not yet initialized)."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    coach = coach or CoachBot(settings)
    base_url, file_url = api_urls(settings)
    app = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(base_url)
        .base_file_url(file_url)
        .concurrent_updates(8)
        .build()
    )
    app.add_handler(CommandHandler("start", coach.start))
    app.add_handler(CommandHandler("help", coach.help))
    app.add_handler(CommandHandler("unlink", coach.unlink))
    app.add_handler(CommandHandler("new", coach.new_thread))
    app.add_handler(CommandHandler(["today", "week", "plan", "sync"], coach.tool_command))
    app.add_handler(CallbackQueryHandler(coach.button))
    app.add_handler(MessageHandler(filters.Document.ALL, coach.document))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, coach.text))
    app.add_handler(MessageHandler(filters.COMMAND, coach.help))  # an unknown command: the help text
    app.add_error_handler(_log_error)
    return app


async def _log_error(update: object, context: Any) -> None:
    log.error("telegram update failed", exc_info=context.error)


async def run_polling(
    settings: Settings, stop: asyncio.Event, *, coach: CoachBot | None = None, poll_timeout: int = 30
) -> None:
    """Long polling until `stop` is set (the `runcoach bot` role)."""
    app = build_application(settings, coach)
    async with app:
        await app.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
        assert app.updater is not None
        await app.updater.start_polling(drop_pending_updates=False, timeout=poll_timeout)
        await app.start()
        log.info("telegram bot @%s polling", app.bot.username)
        try:
            await stop.wait()
        finally:
            await app.updater.stop()
            await app.stop()


async def set_webhook(settings: Settings) -> str:
    """Register the API's webhook route with Telegram (with the secret token). Returns the URL."""
    if not settings.public_url or settings.telegram_webhook_secret is None:
        raise ValueError("webhook mode needs RUNCOACH_PUBLIC_URL and RUNCOACH_TELEGRAM_WEBHOOK_SECRET")
    url = settings.public_url.rstrip("/") + WEBHOOK_PATH
    app = build_application(settings)
    async with app:
        await app.bot.set_webhook(
            url,
            secret_token=settings.telegram_webhook_secret.get_secret_value(),
            allowed_updates=["message", "callback_query"],
        )
    return url


_webhook_app: Application[Any, Any, Any, Any, Any, Any] | None = None
_webhook_lock = asyncio.Lock()


async def webhook_application(settings: Settings) -> Application[Any, Any, Any, Any, Any, Any]:
    """The API process's application for webhook updates (built, initialized and started once)."""
    global _webhook_app
    async with _webhook_lock:
        if _webhook_app is None:
            app = build_application(settings)
            await app.initialize()
            await app.start()
            _webhook_app = app
    return _webhook_app


async def close_webhook_application() -> None:
    global _webhook_app
    if _webhook_app is not None:
        await _webhook_app.stop()
        await _webhook_app.shutdown()
    _webhook_app = None


async def accept_update(settings: Settings, payload: dict[str, Any]) -> None:
    """Queue one webhook update for processing (the HTTP request returns at once)."""
    app = await webhook_application(settings)
    update = Update.de_json(payload, app.bot)
    await app.update_queue.put(update)
