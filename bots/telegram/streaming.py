"""A coach reply that grows in Telegram as it is generated: one message, edited as text arrives.

Edits are throttled (Telegram allows about one per second per chat; `interval_s`), skipped when nothing
changed, and the final state is always written. Past 4096 characters the reply continues in a new
message. Tools the coach runs are shown briefly on the first line. A `RetryAfter` from Telegram skips an
intermediate edit and is waited out for the final one.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Callable
from datetime import timedelta

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bots.telegram.format import split_html

log = logging.getLogger(__name__)

FINAL_RETRIES = 3


def retry_after_s(exc: RetryAfter) -> float:
    """Telegram's wait in seconds (PTB 22 warns that `retry_after` becomes a timedelta: accept both)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return float(wait.total_seconds()) if isinstance(wait, timedelta) else float(wait)


class StreamedReply:
    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        *,
        interval_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.interval_s = interval_s
        self.clock = clock
        self.text = ""
        self.tools: list[str] = []
        self.messages: list[Message] = []
        self.shown: list[str] = []
        self._last_write = float("-inf")

    def compose(self) -> str:
        head = "🔧 " + ", ".join(f"`{name}`" for name in dict.fromkeys(self.tools)) if self.tools else ""
        return f"{head}\n\n{self.text}".strip() if head else self.text.strip()

    async def tool(self, name: str) -> None:
        self.tools.append(name)
        await self.flush()

    async def delta(self, text: str) -> None:
        self.text += text
        await self.flush()

    async def finish(self, text: str | None = None) -> None:
        if text is not None:
            self.text = text
        await self.flush(final=True)

    async def flush(self, *, final: bool = False) -> None:
        if not final and self.clock() - self._last_write < self.interval_s:
            return
        composed = self.compose()
        if not composed:
            return
        for attempt in range(FINAL_RETRIES if final else 1):
            try:
                await self._write(split_html(composed))
                break
            except RetryAfter as exc:
                if not final or attempt == FINAL_RETRIES - 1:
                    log.info("telegram asked to slow down (%s); skipping an intermediate edit", exc)
                    break
                await asyncio.sleep(retry_after_s(exc))
        self._last_write = self.clock()

    async def _write(self, parts: list[str]) -> None:
        for i, part in enumerate(parts):
            if i < len(self.messages):
                if self.shown[i] == part:
                    continue
                try:
                    await self.bot.edit_message_text(
                        part,
                        chat_id=self.chat_id,
                        message_id=self.messages[i].message_id,
                        parse_mode=ParseMode.HTML,
                    )
                except BadRequest as exc:
                    if "not modified" not in str(exc).lower():
                        raise
                self.shown[i] = part
            else:
                message = await self.bot.send_message(self.chat_id, part, parse_mode=ParseMode.HTML)
                self.messages.append(message)
                self.shown.append(part)
