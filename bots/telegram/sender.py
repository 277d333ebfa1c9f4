"""Proactive messages to Telegram: the `telegram` channel of `tools.notifications.delivery`.

Errors are classified for the delivery loop: a chat that is not linked, blocked the bot or no longer
exists is permanent; `RetryAfter` carries Telegram's wait; network errors and 5xx are retried.

A message that carries a proposal (its data's `approval`: the paused turn of the morning message) gets
Approve / Keep buttons under its last part (`approvals.offer`); a press resumes that turn in the bot.
"""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from agent.events import ApprovalRequired
from bots.telegram import approvals
from bots.telegram.app import api_urls
from bots.telegram.format import escape, split_html
from bots.telegram.streaming import retry_after_s
from core.models import Notification, User
from core.redis import get_redis
from core.settings import Settings
from tools.notifications.delivery import DeliveryError
from tools.notifications.telegram_link import chat_for_user

PROPOSAL_LABELS = ("✅ Approve", "↩️ Keep the plan")


def render(notification: Notification) -> list[str]:
    """The notification as Telegram messages: the title in bold, then the coach's text."""
    parts = split_html(notification.body)
    parts[0] = f"<b>{escape(notification.title)}</b>\n\n{parts[0]}"
    return [p for part in parts for p in (split_html(part) if len(part) > 4096 else [part])]


class TelegramSender:
    def __init__(self, settings: Settings, *, bot: Bot | None = None, redis: Redis | None = None) -> None:
        if bot is None:
            if settings.telegram_bot_token is None:
                raise ValueError("TELEGRAM_BOT_TOKEN is not set")
            base_url, file_url = api_urls(settings)
            bot = Bot(
                settings.telegram_bot_token.get_secret_value(), base_url=base_url, base_file_url=file_url
            )
        self.bot = bot
        self.redis = redis
        self._ready = False

    async def _buttons(self, user: User, notification: Notification) -> InlineKeyboardMarkup | None:
        pending = (notification.data or {}).get("approval")
        if not isinstance(pending, dict) or not pending.get("thread_id"):
            return None
        event = ApprovalRequired(
            **{k: pending[k] for k in ("approval_id", "tool", "what", "why", "arguments")}
        )
        return await approvals.offer(
            self.redis or get_redis(), user.id, str(pending["thread_id"]), event, labels=PROPOSAL_LABELS
        )

    async def send(self, session: AsyncSession, user: User, notification: Notification) -> None:
        chat = await chat_for_user(session, user.id)
        if chat is None:
            raise DeliveryError("no Telegram chat is linked to this account", permanent=True)
        try:
            if not self._ready:
                await self.bot.initialize()
                self._ready = True
            parts = render(notification)
            keyboard = await self._buttons(user, notification)
            for n, part in enumerate(parts):
                markup = keyboard if n == len(parts) - 1 else None
                await self.bot.send_message(int(chat), part, parse_mode=ParseMode.HTML, reply_markup=markup)
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
