"""Chat over SSE that survives disconnects: turns run as tasks of the api process (`turns`), their events go
to a Redis buffer (`buffer`), and every response or reconnect — on any replica — streams from that buffer
(`sse`), at most `chat_max_streams_per_user` at once per user (`streams`), its blocking reads on their own
Redis pool. `chat_for(app)` gives an app's runtime; the app's lifespan closes it (`close_chat`).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from redis.asyncio import Redis

from api.chat.buffer import ChatBuffer
from api.chat.sse import longest_stream_s
from api.chat.streams import StreamSlots
from api.chat.turns import TurnRunner
from core.redis import get_redis, stream_reader
from core.settings import Settings, get_settings

__all__ = ["Chat", "chat_for", "close_chat"]


@dataclass(frozen=True)
class Chat:
    buffer: ChatBuffer
    runner: TurnRunner
    streams: StreamSlots
    reader: Redis
    settings: Settings


def chat_for(app: FastAPI) -> Chat:
    """The app's chat runtime (created on first use, on this process's Redis)."""
    chat = getattr(app.state, "chat", None)
    if isinstance(chat, Chat):
        return chat
    settings = getattr(app.state, "settings", None)
    settings = settings if isinstance(settings, Settings) else get_settings()
    reader = stream_reader(settings.chat_stream_connections)
    buffer = ChatBuffer(get_redis(), reader=reader, ttl_s=settings.chat_buffer_ttl_s)
    chat = Chat(
        buffer=buffer,
        runner=TurnRunner(buffer, settings),
        streams=StreamSlots(
            get_redis(), per_user=settings.chat_max_streams_per_user, lapse_s=longest_stream_s(settings)
        ),
        reader=reader,
        settings=settings,
    )
    app.state.chat = chat
    return chat


async def close_chat(app: FastAPI, grace_s: float = 10.0) -> None:
    """Let running turns finish (up to `grace_s`, then they end as interrupted and are saved)."""
    chat = getattr(app.state, "chat", None)
    if isinstance(chat, Chat):
        await chat.runner.close(grace_s)
        await chat.reader.aclose()
        del app.state.chat
