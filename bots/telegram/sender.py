"""Proactive messages to Telegram: the `telegram` channel of `tools.notifications.delivery`.

Errors are classified for the delivery loop: a chat that is not linked, blocked the bot or no longer
exists is permanent; `RetryAfter` carries Telegram's wait; network errors and 5xx are retried.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bots.telegram.app import api_urls
from bots.telegram.format import escape, split_html
from bots.telegram.streaming import retry_after_s
from core.models import Notification, User
from core.settings import Settings
from tools.notifications.delivery import DeliveryError
from tools.notifications.telegram_link import chat_for_user


def render(notification: Notification) -> list[str]:
    """The notification as Telegram messages: the title in bold, then the coach's text."""
    parts = split_html(notification.body)
    parts[0] = f"<b>{escape(notification.title)}</b>\n\n{parts[0]}"
    return [p for part in parts for p in (split_html(part) if len(part) > 4096 else [part])]


class TelegramSender:
    def __init__(self, settings: Settings, *, bot: Bot | None = None) -> None:
        if bot is None:
            if settings.telegram_bot_token is None:
                raise ValueError("TELEGRAM_BOT_TOKEN is not set")
            base_url, file_url = api_urls(settings)
            bot = Bot(
                settings.telegram_bot_token.get_secret_value(), base_url=base_url, base_file_url=file_url
            )
        self.bot = bot
        self._ready = False

    async def send(self, session: AsyncSession, user: User, notification: Notification) -> None:
        chat = await chat_for_user(session, user.id)
        if chat is None:
            raise DeliveryError("no Telegram chat is linked to this account", permanent=True)
        try:
            if not self._ready:
                await self.bot.initialize()
                self._ready = True
            for part in render(notification):
                await self.bot.send_message(int(chat), part, parse_mode=ParseMode.HTML)
        except RetryAfter as exc:
            raise DeliveryError(f"Telegram asked to wait: {exc}", retry_after_s=retry_after_s(exc)) from exc
        except Forbidden as exc:
            raise DeliveryError(f"Telegram refused: {exc.message}", permanent=True) from exc
        except BadRequest as exc:
            permanent = "chat not found" in exc.message.lower()
            raise DeliveryError(f"Telegram rejected the message: {exc.message}", permanent=permanent) from exc
        except (NetworkError, TelegramError) as exc:
            raise DeliveryError(f"Telegram is not reachable: {exc}") from exc

    async def close(self) -> None:
        if self._ready:
            await self.bot.shutdown()
            self._ready = False
