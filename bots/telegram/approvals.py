"""Approve / deny buttons for a paused coach turn, each pair usable once.

They answer an approval in chat, and the proposal a proactive message carries (the morning's change to
today's session: Approve / Keep, sent by `sender.TelegramSender` with the message): either way a press
resumes the paused turn it belongs to.

Telegram's callback data is limited to 64 bytes, so a button carries a short random token; the token
maps (in Redis, for a week) to the user, thread and approval it answers. Pressing either button consumes
the token atomically (GETDEL): a second press, of either button, gets "already answered" and nothing runs.
If the token is gone, the agent's own check still refuses a second decision for the same approval.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from redis.asyncio import Redis
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from agent.events import ApprovalRequired
from bots.telegram.format import escape

PREFIX = "ap"
TOKEN_TTL_S = 7 * 24 * 3600


def _key(token: str) -> str:
    return f"runcoach:telegram:approval:{token}"


@dataclass(frozen=True)
class PendingApproval:
    user_id: int
    thread_id: str
    approval_id: str
    tool: str


async def offer(
    redis: Redis,
    user_id: int,
    thread_id: str,
    event: ApprovalRequired,
    *,
    labels: tuple[str, str] = ("✅ Approve", "✖️ Deny"),
) -> InlineKeyboardMarkup:
    """Two buttons answering `event` once; `labels` name them (a proposal says Approve / Keep)."""
    token = secrets.token_urlsafe(12)
    payload = {
        "user_id": user_id,
        "thread_id": thread_id,
        "approval_id": event.approval_id,
        "tool": event.tool,
    }
    await redis.set(_key(token), json.dumps(payload), ex=TOKEN_TTL_S)
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(labels[0], callback_data=f"{PREFIX}:{token}:y"),
                InlineKeyboardButton(labels[1], callback_data=f"{PREFIX}:{token}:n"),
            ]
        ]
    )


def parse(data: str | None) -> tuple[str, bool] | None:
    """(token, approved) from a button's callback data; None for data that is not ours."""
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] != PREFIX or parts[2] not in ("y", "n"):
        return None
    return parts[1], parts[2] == "y"


async def take(redis: Redis, token: str) -> PendingApproval | None:
    """The approval a token answers, consumed; None when it was already used or expired."""
    raw = await redis.getdel(_key(token))
    if raw is None:
        return None
    data = json.loads(raw)
    return PendingApproval(
        user_id=int(data["user_id"]),
        thread_id=str(data["thread_id"]),
        approval_id=str(data["approval_id"]),
        tool=str(data["tool"]),
    )


def describe(event: ApprovalRequired) -> str:
    """The approval request as Telegram HTML."""
    args = json.dumps(event.arguments, ensure_ascii=False, default=str)
    if len(args) > 600:
        args = args[:599] + "…"
    return (
        f"<b>The coach wants to run {escape(event.tool)}</b>\n"
        f"{escape(event.what)}\n<i>{escape(event.why)}</i>\n<code>{escape(args)}</code>\n\n"
        "Nothing has happened yet. Approve or deny:"
    )
