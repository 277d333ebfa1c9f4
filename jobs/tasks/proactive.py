"""Proactive coaching: the scheduler's tick, the job that writes one message, and delivery.

- `proactive_tick` (every 5 minutes) evaluates every user's triggers in their own time zone
  (`tools.notifications.triggers`) and enqueues one `proactive.message` job per due message. The job's
  idempotency key is the message's own key, so two schedulers (or a restart) enqueue it once.
- `proactive.message` asks the coach for the message in a system-started turn (`agent.stream` with the
  trigger named in the turn's text: the same tools and grounding as any chat), stores it as a notification
  (unique per user, trigger and period) with a delivery per enabled channel. A turn that ends by offering a
  proposal (`PROPOSALS`: the morning's change to today's session) is stored with the paused approval in its
  data (`approval`: thread, approval id, tool, arguments) and adjust_today's result (`proposal`): Telegram
  shows Approve / Keep buttons and the web inbox a card, and either answer resumes that same turn, so the
  change is applied by the graph's act node exactly as an approval in chat. Any other approval a system turn
  asks for is not offered (a system turn never acts on its own): the message is written again next time.
- `deliver_notifications` (every minute) sends due deliveries (quiet hours hold them; failures back off).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic_ai.models import Model
from sqlalchemy.ext.asyncio import AsyncSession

from agent.checkpoint import get_checkpointer
from agent.events import ApprovalRequired, ErrorEvent, MessageDone, TextDelta, TurnStarted
from agent.stream import stream
from core.database import session_scope
from core.errors import InvalidInput, ServiceUnavailable
from core.models import Job, User
from core.queue.outbox import enqueue
from core.settings import Settings, get_settings
from jobs.runner import job_handler
from tools.account.repository import all_user_ids
from tools.notifications import store
from tools.notifications.delivery import ChannelSender, DeliveryReport, deliver_due
from tools.notifications.preferences import Channel, Trigger, get_preferences
from tools.notifications.telegram_link import chat_for_user
from tools.notifications.triggers import Due, due_messages

log = logging.getLogger(__name__)

MESSAGE_JOB = "proactive.message"
#: side-effect tools a proactive message may offer for the athlete's approval
PROPOSALS = frozenset({"apply_today_adjustment"})


def job_key(due: Due) -> str:
    return f"proactive:{due.key}"


def _due_args(due: Due, now: datetime) -> dict[str, Any]:
    return {
        "trigger": str(due.trigger),
        "period_key": due.period_key,
        "title": due.title,
        "prompt": due.prompt,
        "local_date": due.local_date.isoformat(),
        "data": due.data,
        "now": now.isoformat(),
    }


def _due_from(user_id: int, args: dict[str, Any]) -> tuple[Due, datetime]:
    due = Due(
        user_id=user_id,
        trigger=Trigger(args["trigger"]),
        period_key=str(args["period_key"]),
        title=str(args["title"]),
        prompt=str(args["prompt"]),
        local_date=date.fromisoformat(args["local_date"]),
        data=dict(args.get("data") or {}),
    )
    return due, datetime.fromisoformat(args["now"])


async def plan_user(session: AsyncSession, user: User, now: datetime) -> list[Due]:
    """Due messages of one user, each enqueued as a job once. Returns what was due."""
    dues = await due_messages(session, user, now)
    for due in dues:
        await enqueue(
            session, MESSAGE_JOB, _due_args(due, now), user_id=user.id, idempotency_key=job_key(due)
        )
    return dues


async def proactive_tick(now: datetime | None = None) -> dict[str, Any]:
    """The scheduled task: evaluate every user's triggers at `now` (default: the current time)."""
    now = now or datetime.now(UTC)
    async with session_scope() as session:
        user_ids = await all_user_ids(session)
    enqueued = 0
    for user_id in user_ids:
        try:
            async with session_scope() as session:
                user = await session.get(User, user_id)
                if user is not None:
                    enqueued += len(await plan_user(session, user, now))
        except Exception:
            log.exception("proactive triggers failed for user %s; the next tick tries again", user_id)
    return {"users": len(user_ids), "enqueued": enqueued}


async def channels_for(session: AsyncSession, user: User) -> list[Channel]:
    """The user's enabled channels that can reach them now (Telegram only with a linked chat)."""
    wanted = get_preferences(user).channels
    out: list[Channel] = [c for c in wanted if c != Channel.TELEGRAM]
    if Channel.TELEGRAM in wanted and await chat_for_user(session, user.id) is not None:
        out.append(Channel.TELEGRAM)
    return out


async def write_message(
    session: AsyncSession,
    due: Due,
    now: datetime,
    *,
    model: Model | None = None,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Ask the coach for `due` in a system-started turn and store it (once). Returns what happened."""
    if await store.exists(session, due.user_id, due.trigger, due.period_key):
        return {"status": "exists", "key": due.key}
    user = await session.get(User, due.user_id)
    if user is None:
        raise InvalidInput("The account of this proactive message no longer exists.")
    thread: str | None = None
    body: str | None = None
    tools: list[str] = []
    texts: list[str] = []
    extra: dict[str, Any] = {}
    async for event in stream(
        user,
        None,
        due.prompt,
        session=session,
        model=model,
        checkpointer=checkpointer,
        settings=settings,
        now=now,
        channel="proactive",
    ):
        if isinstance(event, TurnStarted):
            thread = event.thread_id
        elif isinstance(event, TextDelta):
            texts.append(event.text)
        elif event.type == "tool_result" and event.ok:
            tools.append(event.name)
            if event.name == "adjust_today" and event.data:
                extra["proposal"] = event.data
        elif isinstance(event, MessageDone):
            body = event.text
        elif isinstance(event, ApprovalRequired) and event.tool in PROPOSALS:
            body = "".join(texts).strip() or event.why
            extra["approval"] = {
                "thread_id": thread,
                **event.model_dump(mode="json", include={"approval_id", "tool", "what", "why", "arguments"}),
            }
        elif isinstance(event, ApprovalRequired):
            body = None  # a system turn never acts on its own; the message is written again next time
        elif isinstance(event, ErrorEvent):
            raise ServiceUnavailable(f"The coach could not write the {due.trigger} message: {event.message}")
    if not body:
        raise ServiceUnavailable(f"The coach wrote no text for the {due.trigger} message; retrying later.")
    notification, created = await store.create_notification(
        session,
        user.id,
        trigger=due.trigger,
        period_key=due.period_key,
        title=due.title,
        body=body.strip(),
        channels=await channels_for(session, user),
        now=now,
        data={**due.data, "thread_id": thread, "tools": tools, **extra},
    )
    return {"status": "created" if created else "exists", "notification_id": notification.id, "tools": tools}


@job_handler(MESSAGE_JOB)
async def proactive_message(session: AsyncSession, job: Job) -> dict[str, Any]:
    if job.user_id is None:
        raise InvalidInput("A proactive message job must belong to a user.")
    due, now = _due_from(job.user_id, job.args)
    # before the session's first query: a first-ever checkpointer setup waits for open transactions
    checkpointer = await get_checkpointer()
    return await write_message(session, due, now, checkpointer=checkpointer)


def default_senders(settings: Settings) -> dict[str, ChannelSender]:
    if settings.telegram_bot_token is None:
        return {}
    from bots.telegram.sender import TelegramSender

    return {str(Channel.TELEGRAM): TelegramSender(settings)}


async def deliver_notifications(
    now: datetime | None = None, *, senders: Mapping[str, ChannelSender] | None = None
) -> dict[str, Any]:
    """The scheduled task: deliver every due notification on the push channels."""
    chosen = dict(senders) if senders is not None else default_senders(get_settings())
    if not chosen:
        return {"sent": 0}
    try:
        report: DeliveryReport = await deliver_due(chosen, now=now or datetime.now(UTC))
    finally:
        if senders is None:
            for sender in chosen.values():
                close = getattr(sender, "close", None)
                if close is not None:
                    await close()
    return {"sent": report.sent, "held": report.held, "retrying": report.retrying, "failed": report.failed}
