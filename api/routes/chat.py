"""Chat with the coach: threads, and turns streamed as server-sent events that survive disconnects.

A turn runs on the server whatever the client does (`api.chat.turns`); its events are buffered in Redis
(`api.chat.buffer`), so a client that lost its connection reconnects — to any replica — with
`GET …/events` and `Last-Event-ID` (or `?after=`) and gets what it missed, then the rest live.
Threads are `agent.threads` (their statements in `agent.repository`); the turn itself is `agent.stream`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession
from sse_starlette import EventSourceResponse

from agent.checkpoint import get_checkpointer
from agent.events import ApprovalDecision
from agent.threads import (
    MAX_MESSAGE_CHARS,
    check_message,
    delete_thread,
    get_thread,
    list_messages,
    list_threads,
    open_thread,
    rename_thread,
)
from api.chat import Chat, chat_for
from api.chat.buffer import parse_event_id
from api.chat.sse import StartingStream, event_stream
from api.deps import CurrentUser, SessionDep, rate_limit
from api.errors import problem_responses
from core.errors import Conflict, InvalidInput
from core.models import Conversation, Message, User

TAGS = [
    {
        "name": "chat",
        "description": "Conversations with the coach. Turns stream as server-sent events "
        "(`text/event-stream`); reconnect with `Last-Event-ID` to resume.",
    },
]
router = APIRouter(prefix="/chat/threads", tags=["chat"])

_EVENTS_DOC = (
    "A `text/event-stream` of the turn's events. Each event has an `id` (send the last one you saw back as "
    "`Last-Event-ID` to resume), an `event` name — `turn_started`, `text_delta`, `tool_call`, `tool_result`, "
    "`citation`, `grounding_warning`, then exactly one of `message_done`, `approval_required` or `error`, "
    "after which the stream ends — and `data`, the event as JSON. Lines starting with `:` are keep-alive "
    "comments."
)
_SSE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": _EVENTS_DOC,
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


class NewThread(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=200, description="default: from the first message")


class ThreadRename(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)


class ThreadOut(BaseModel):
    id: uuid.UUID
    title: str | None
    channel: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Conversation) -> ThreadOut:
        return cls(
            id=row.id,
            title=row.title,
            channel=row.channel,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class MessageOut(BaseModel):
    id: int
    role: str = Field(description="user, assistant or approval")
    content: str
    events: list[dict[str, Any]] = Field(description="the turn's non-text events (tool calls, results, …)")
    model: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: Message) -> MessageOut:
        return cls(
            id=row.id,
            role=row.role,
            content=row.content,
            events=list(row.events or []),
            model=row.model,
            created_at=row.created_at,
        )


class ThreadDetail(ThreadOut):
    messages: list[MessageOut]
    running: bool = Field(description="a turn is running now: follow it at GET …/events")


class NewMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS, description="what the athlete says")

    @field_validator("content")
    @classmethod
    def _storable(cls, value: str) -> str:
        if "\x00" in value:  # PostgreSQL cannot store it: refuse it here, not mid-turn
            raise ValueError(
                "the message contains the NUL character (\\u0000), which cannot be stored; remove it"
            )
        return value


def _chat(request: Request) -> Chat:
    return chat_for(request.app)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Start a conversation",
    description="An empty thread; post messages to it. Its title comes from the first message unless given.",
)
async def create_thread(body: NewThread, user: CurrentUser, session: SessionDep) -> ThreadOut:
    conversation, _ = await open_thread(session, user, None, first_message=None)
    if body.title is not None:
        conversation = await rename_thread(session, user, conversation.id, body.title)
    await session.refresh(conversation)
    return ThreadOut.of(conversation)


@router.get("", summary="List your conversations", description="Most recently active first.")
async def get_threads(
    user: CurrentUser, session: SessionDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[ThreadOut]:
    return [ThreadOut.of(row) for row in await list_threads(session, user, limit=limit)]


@router.get(
    "/{thread_id}",
    summary="A conversation and its messages",
    description="Stored messages oldest first; a turn still running shows as `running`.",
    responses=problem_responses(404),
)
async def get_thread_detail(
    thread_id: uuid.UUID, request: Request, user: CurrentUser, session: SessionDep
) -> ThreadDetail:
    conversation = await get_thread(session, user, thread_id)
    messages = await list_messages(session, user, thread_id)
    running = await _chat(request).buffer.holder(thread_id) is not None
    return ThreadDetail(
        **ThreadOut.of(conversation).model_dump(),
        messages=[MessageOut.of(m) for m in messages],
        running=running,
    )


@router.patch("/{thread_id}", summary="Rename a conversation", responses=problem_responses(404))
async def rename(
    thread_id: uuid.UUID, body: ThreadRename, user: CurrentUser, session: SessionDep
) -> ThreadOut:
    conversation = await rename_thread(session, user, thread_id, body.title)
    await session.refresh(conversation)
    return ThreadOut.of(conversation)


@router.delete(
    "/{thread_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a conversation",
    description="Its messages and the coach's memory of it go too. Not while the coach is answering in it.",
    responses=problem_responses(404, 409),
)
async def delete(thread_id: uuid.UUID, request: Request, user: CurrentUser, session: SessionDep) -> None:
    chat = _chat(request)
    await get_thread(session, user, thread_id)
    if await chat.buffer.holder(thread_id) is not None:
        raise Conflict(
            "The coach is still answering in this conversation. Delete it once the answer is done."
        )
    await delete_thread(session, user, thread_id)
    saver = await get_checkpointer()
    await saver.adelete_thread(str(thread_id))
    await chat.buffer.forget(thread_id)


@router.post(
    "/{thread_id}/messages",
    summary="Send a message; the answer streams",
    description="Starts a turn and streams its events (see the 200 response). The turn runs to its end and "
    "is saved even if you disconnect; resume with GET …/events. One turn per conversation at a time (409).",
    response_class=EventSourceResponse,
    responses={**_SSE_RESPONSE, **problem_responses(404, 409, 429)},
    dependencies=[
        rate_limit(
            "chat",
            lambda s: s.rate_limit_chat_user,
            message="You are sending messages faster than the coach can answer. Wait a moment, then send it.",
        )
    ],
)
async def post_message(
    thread_id: uuid.UUID, body: NewMessage, request: Request, user: CurrentUser, session: SessionDep
) -> Response:
    return await _start_turn(request, session, user, thread_id, check_message(body.content))


@router.post(
    "/{thread_id}/approvals",
    summary="Approve or decline what the coach asked to do; the rest streams",
    description="Answers the thread's pending `approval_required` event: approved runs the action exactly "
    "once, declined never runs it. Streams the rest of the turn like POST …/messages. 409 when no such "
    "approval is waiting.",
    response_class=EventSourceResponse,
    responses={**_SSE_RESPONSE, **problem_responses(404, 409, 429)},
)
async def post_approval(
    thread_id: uuid.UUID, body: ApprovalDecision, request: Request, user: CurrentUser, session: SessionDep
) -> Response:
    return await _start_turn(request, session, user, thread_id, body)


async def _start_turn(
    request: Request,
    session: AsyncSession,
    user: User,
    thread_id: uuid.UUID,
    message: str | ApprovalDecision,
) -> Response:
    """Check the thread is the caller's, then — once the request's unit of work has ended and given its
    connection back (the turn may wait for a free slot) — take a stream slot, start the turn as a server
    task and stream it from the buffer."""
    conversation = await get_thread(session, user, thread_id)
    chat = _chat(request)
    title = conversation.title

    async def start() -> Response:
        # after the unit of work: the request's connection is not held while Redis answers
        slot = await chat.streams.take(user.id)  # before the turn: a 429 here starts nothing
        try:
            started = await chat.runner.start(user, thread_id, message, title=title)
        except BaseException:
            await chat.streams.give_back(user.id, slot)
            raise
        return event_stream(
            chat.buffer,
            thread_id,
            started.cursor,
            turn=started.turn,
            settings=chat.settings,
            on_close=partial(chat.streams.give_back, user.id, slot),
        )

    return StartingStream(start)


@router.get(
    "/{thread_id}/events",
    summary="Resume a conversation's event stream",
    description="Events after `Last-Event-ID` (or `after`) that are still buffered, then the running turn "
    "live, to its final event. Without either, the latest turn from its start. 204 when there is nothing "
    "to send (the stored messages are at GET …/{thread_id}).",
    response_class=EventSourceResponse,
    responses={**_SSE_RESPONSE, 204: {"description": "nothing to resume"}, **problem_responses(404, 429)},
)
async def get_events(
    thread_id: uuid.UUID,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    last_event_id: Annotated[str | None, Header(description="the id of the last event you received")] = None,
    after: Annotated[
        str | None, Query(description="same as Last-Event-ID, for clients that cannot set it")
    ] = None,
) -> Response:
    await get_thread(session, user, thread_id)
    chat = _chat(request)
    raw = last_event_id or after
    if raw is not None:
        try:
            cursor = parse_event_id(raw)
        except ValueError:
            raise InvalidInput(
                "Last-Event-ID (or after) must be the id of an event from this stream, like 1732000000000-0."
            ) from None
    else:
        latest = await chat.buffer.latest(thread_id)
        cursor = latest.cursor if latest is not None else "0-0"
    if not await chat.buffer.anything_after(thread_id, cursor):
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    slot = await chat.streams.take(user.id)
    return event_stream(
        chat.buffer,
        thread_id,
        cursor,
        turn=None,
        settings=chat.settings,
        on_close=partial(chat.streams.give_back, user.id, slot),
    )
