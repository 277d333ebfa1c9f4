"""The bot's handlers: thin adapters from Telegram updates to `agent.stream` and the tools.

Every handler first finds the account the chat is linked to; an unlinked chat gets the explanation of how
to link it and nothing else (only `/start CODE` and `/help` work there). A text message is one coach turn
in the chat's current conversation, streamed as message edits; an approval becomes two inline buttons that
resume the same turn (`/today` with a proposed change asks the coach, so the change comes with them too); a
FIT document goes to the worker's import job (as a web upload does) and its result
is summarised once the job is done (after `IMPORT_WAIT_S`, the reply says it is still being imported).
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic_ai.models import Model
from redis.asyncio import Redis
from telegram import Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import ContextTypes

from agent.events import ApprovalDecision, ApprovalRequired, ErrorEvent
from agent.stream import stream
from bots.telegram import approvals, commands
from bots.telegram.format import escape
from bots.telegram.streaming import StreamedReply
from core.database import session_scope
from core.errors import CoachError
from core.models import User
from core.redis import get_redis
from core.settings import Settings
from tools.activities.activities import ActivityDetail
from tools.activities.archive_import import check_archive, is_zip, queue_archive_import, stage_archive
from tools.activities.uploads import Upload, queue_import, stage_uploads, wait_for_import
from tools.deps import ToolDeps
from tools.notifications import telegram_link
from tools.registry import call_tool

log = logging.getLogger(__name__)

IMPORT_WAIT_S = 60.0
#: what a document may be called to be imported (the content decides the format; the name screens out photos)
IMPORTABLE_SUFFIXES = (".fit", ".gpx", ".tcx", ".fit.gz", ".gpx.gz", ".tcx.gz", ".zip")

Context = ContextTypes.DEFAULT_TYPE


class CoachBot:
    """The handlers, with what they need: settings, and (for tests) a model, checkpointer and clock."""

    def __init__(
        self,
        settings: Settings,
        *,
        model: Model | None = None,
        checkpointer: BaseCheckpointSaver[Any] | None = None,
        redis: Callable[[], Redis] = get_redis,
        now: Callable[[], datetime | None] = lambda: None,
    ) -> None:
        self.settings = settings
        self.model = model
        self.checkpointer = checkpointer
        self.redis = redis
        self.now = now

    # --- identity ---------------------------------------------------------------------------------

    async def linked_user(self, update: Update) -> User | None:
        """The chat's account; when there is none, the chat is told how to link and None is returned."""
        chat = update.effective_chat
        if chat is None:
            return None
        async with session_scope() as session:
            user = await telegram_link.user_for_chat(session, chat.id)
        if user is None:
            await self._say(update, commands.NOT_LINKED)
        return user

    async def _say(self, update: Update, html: str) -> None:
        chat = update.effective_chat
        if chat is not None:
            await update.get_bot().send_message(chat.id, html, parse_mode=ParseMode.HTML)

    # --- commands ---------------------------------------------------------------------------------

    async def start(self, update: Update, context: Context) -> None:
        chat, sender = update.effective_chat, update.effective_user
        if chat is None:
            return
        code = "".join(context.args or [])
        if not code:
            async with session_scope() as session:
                user = await telegram_link.user_for_chat(session, chat.id)
            await self._say(update, commands.HELP if user else commands.NOT_LINKED)
            return
        try:
            async with session_scope() as session:
                user = await telegram_link.redeem_link_code(
                    session,
                    self.redis(),
                    code,
                    chat_id=chat.id,
                    username=sender.username if sender else None,
                    now=self.now(),
                )
                name = user.display_name or user.email
        except CoachError as exc:
            await self._say(update, escape(exc.message))
            return
        await self._say(update, f"Linked to <b>{escape(name)}</b> ✅\n\n{commands.HELP}")

    async def help(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        async with session_scope() as session:
            user = await telegram_link.user_for_chat(session, chat.id)
        await self._say(update, commands.HELP if user else commands.NOT_LINKED)

    async def unlink(self, update: Update, context: Context) -> None:
        user = await self.linked_user(update)
        if user is None:
            return
        async with session_scope() as session:
            await telegram_link.unlink(session, user_id=user.id)
        await self._say(update, "This chat is no longer linked to your RunCoach account.")

    async def new_thread(self, update: Update, context: Context) -> None:
        user = await self.linked_user(update)
        if user is None:
            return
        async with session_scope() as session:
            await telegram_link.set_chat_thread(session, user.id, None)
        await self._say(update, "New conversation. What's on your mind?")

    async def tool_command(self, update: Update, context: Context) -> None:
        message = update.effective_message
        user = await self.linked_user(update)
        if user is None or message is None or not message.text:
            return
        name = message.text.split()[0].lstrip("/").split("@")[0]
        async with session_scope() as session:
            deps = ToolDeps.for_user(
                session, user, now=self.now(), redis=self.redis(), settings=self.settings
            )
            text = await commands.run_command(name, deps)
            proposes = name == "today" and await commands.proposes_a_change(deps)
            thread = await telegram_link.chat_thread(session, user.id) if proposes else None
        await self._say(update, text)
        if proposes:  # the change itself is offered by the coach, with Approve / Deny, as in chat
            await self.turn(update, user, thread, commands.TODAY_PROPOSAL)

    # --- chat -------------------------------------------------------------------------------------

    async def text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        user = await self.linked_user(update)
        if user is None or message is None or not message.text:
            return
        async with session_scope() as session:
            thread = await telegram_link.chat_thread(session, user.id)
        await self.turn(update, user, thread, message.text)

    async def button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        parsed = approvals.parse(query.data)
        user = await self.linked_user(update)
        if user is None or parsed is None:
            await query.answer()
            return
        token, approved = parsed
        pending = await approvals.take(self.redis(), token)
        if pending is None or pending.user_id != user.id:
            await query.answer("This was already answered.")
            return
        await query.answer("Approved" if approved else "Declined")
        verdict = "✅ Approved" if approved else "✖️ Declined"
        if query.message is not None and hasattr(query.message, "text_html"):
            await query.edit_message_text(
                f"{query.message.text_html}\n\n<b>{verdict}</b>", parse_mode=ParseMode.HTML
            )
        decision = ApprovalDecision(approval_id=pending.approval_id, approved=approved)
        await self.turn(update, user, pending.thread_id, decision)

    async def turn(
        self, update: Update, user: User, thread: str | None, message: str | ApprovalDecision
    ) -> None:
        """One coach turn, streamed into the chat."""
        chat = update.effective_chat
        if chat is None:
            return
        bot = update.get_bot()
        await bot.send_chat_action(chat.id, ChatAction.TYPING)
        reply = StreamedReply(bot, chat.id, interval_s=self.settings.telegram_edit_interval_s)
        redis = self.redis()
        current = thread
        async for event in stream(
            user,
            thread,
            message,
            redis=redis,
            model=self.model,
            checkpointer=self.checkpointer,
            settings=self.settings,
            now=self.now(),
            channel="telegram",
        ):
            if event.type == "turn_started":
                if event.thread_id != current:
                    current = event.thread_id
                    async with session_scope() as session:
                        await telegram_link.set_chat_thread(session, user.id, current)
            elif event.type == "text_delta":
                await reply.delta(event.text)
            elif event.type == "tool_call":
                await reply.tool(event.name)
            elif event.type == "message_done":
                await reply.finish(event.text)
            elif isinstance(event, ApprovalRequired):
                await reply.finish()
                assert current is not None
                keyboard = await approvals.offer(redis, user.id, current, event)
                await bot.send_message(
                    chat.id, approvals.describe(event), parse_mode=ParseMode.HTML, reply_markup=keyboard
                )
            elif isinstance(event, ErrorEvent):
                await reply.finish()
                await bot.send_message(chat.id, f"⚠️ {escape(event.message)}", parse_mode=ParseMode.HTML)

    # --- files ------------------------------------------------------------------------------------

    async def _archive(self, update: Update, user: User, name: str, data: bytes) -> None:
        """A Strava export: checked, staged and imported by one job, like a web upload of the zip."""
        try:
            await asyncio.to_thread(check_archive, io.BytesIO(data), name)
            async with session_scope() as session:
                source = await stage_archive(session, io.BytesIO(data), name)
                job = await queue_archive_import(session, user.id, source, via="telegram")
            summary = await wait_for_import(job.id, within_s=IMPORT_WAIT_S)
        except CoachError as exc:
            await self._say(update, f"I could not import <b>{escape(name)}</b>: {escape(exc.message)}")
            return
        if summary is None:
            await self._say(
                update, f"<b>{escape(name)}</b> is being imported; its activities appear as it goes."
            )
            return
        await self._say(
            update,
            f"<b>{escape(name)}</b>: {summary.imported} activities imported, {summary.already_imported} "
            f"already here, {summary.rejected} refused (the web app's job page lists why).",
        )

    async def document(self, update: Update, context: Context) -> None:
        message = update.effective_message
        user = await self.linked_user(update)
        if user is None or message is None or message.document is None:
            return
        doc = message.document
        name = doc.file_name or "upload.fit"
        if not name.lower().endswith(IMPORTABLE_SUFFIXES):
            await self._say(
                update,
                "I can import <b>.fit</b>, <b>.gpx</b> and <b>.tcx</b> activity files (also gzipped) and "
                "your Strava export (<b>export_….zip</b>). Export the original file from your watch's app "
                "(Garmin: ⋯ → Export Original) and send it here.",
            )
            return
        limit = self.settings.telegram_max_file_mb
        if doc.file_size is not None and doc.file_size > limit * 1024 * 1024:
            await self._say(update, f"That file is larger than {limit} MB; import it in the web app instead.")
            return
        await update.get_bot().send_chat_action(message.chat_id, ChatAction.UPLOAD_DOCUMENT)
        data = bytes(await (await doc.get_file()).download_as_bytearray())
        if is_zip(data[:4]):
            await self._archive(update, user, name, data)
            return
        # staged and imported by the worker's import job, like a web upload: a crash of this process loses
        # nothing, and a bad file is a result with its reason
        async with session_scope() as session:
            staged = await stage_uploads(session, [Upload(name=name, data=data)])
            job = await queue_import(session, user.id, staged, source="telegram")
        try:
            summary = await wait_for_import(job.id, within_s=IMPORT_WAIT_S)
        except CoachError as exc:
            await self._say(update, f"I could not import <b>{escape(name)}</b>: {escape(exc.message)}")
            return
        if summary is None or not summary.files:
            await self._say(
                update,
                f"<b>{escape(name)}</b> is being imported; it will be in your activities in a moment.",
            )
            return
        result = summary.files[0]
        if result.status == "rejected":
            reason = result.reason or "it is not an activity file"
            await self._say(update, f"I could not import <b>{escape(name)}</b>: {escape(reason)}")
            return
        detail = None
        if result.activity_id is not None:
            async with session_scope() as session:
                deps = ToolDeps.for_user(session, user, now=self.now(), settings=self.settings)
                out = await call_tool("last_activity", deps, {"activity_id": result.activity_id})
                detail = out if isinstance(out, ActivityDetail) else None
        link = (
            f"{self.settings.public_url.rstrip('/')}/activities/{result.activity_id}"
            if self.settings.public_url and result.activity_id
            else None
        )
        await self._say(update, commands.imported(result, detail, link))
