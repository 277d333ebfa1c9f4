"""Linking a chat with a one-time code, unlinking, and what an unlinked chat gets (only an explanation)."""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.models import Integration, User
from tests.bots.conftest import StartBot, until
from tests.fakes.telegram import FakeTelegram
from tools.notifications.telegram_link import create_link_code

CHAT = 5_550_001


async def _links(engine: AsyncEngine, user_id: int) -> list[Integration]:
    async with AsyncSession(engine) as session:
        rows = await session.execute(
            select(Integration).where(Integration.user_id == user_id, Integration.provider == "telegram")
        )
        return list(rows.scalars())


async def test_a_code_links_the_chat_once_and_unlink_removes_it(
    telegram: FakeTelegram, start_bot: StartBot, athlete: User, redis: Redis, engine: AsyncEngine
) -> None:
    await start_bot()
    code = (await create_link_code(redis, athlete.id)).code

    telegram.user_sends(CHAT, f"/start {code.lower()}")  # case and spacing do not matter
    reply = await until(lambda: telegram.bot_messages(CHAT), what="the link reply")
    assert reply[-1]["text"].startswith("Linked to Telegram Runner")
    [link] = await _links(engine, athlete.id)
    assert link.external_id == str(CHAT) and link.status == "connected"
    assert link.settings["username"] == f"runner{CHAT}"

    other_chat = CHAT + 1
    telegram.user_sends(other_chat, f"/start {code}")  # the code is used up
    refused = await until(lambda: telegram.bot_messages(other_chat), what="the refusal")
    assert "not valid or has expired" in refused[-1]["text"]
    assert [row.external_id for row in await _links(engine, athlete.id)] == [str(CHAT)]

    telegram.user_sends(CHAT, "/unlink")
    await until(lambda: len(telegram.bot_messages(CHAT)) == 2, what="the unlink reply")
    assert "no longer linked" in telegram.bot_messages(CHAT)[-1]["text"]
    assert await _links(engine, athlete.id) == []


async def test_an_unlinked_chat_gets_an_explanation_and_nothing_else(
    telegram: FakeTelegram, start_bot: StartBot, athlete: User
) -> None:
    await start_bot()
    chat = CHAT + 10
    for text in ("how was my last run?", "/today", "/week"):
        telegram.user_sends(chat, text)
    telegram.user_sends_document(chat, "run.fit", b"\x0e\x10")
    replies = await until(lambda: len(telegram.bot_messages(chat)) >= 4 and telegram.bot_messages(chat))
    assert len(replies) == 4
    assert all(m["text"].startswith("This chat is not linked to a RunCoach account") for m in replies)
    # no coach turn, no tool, no download happened for this chat
    assert telegram.calls_of("getFile") == []
    assert telegram.calls_of("editMessageText") == []


async def test_wrong_codes_are_limited_per_chat(
    telegram: FakeTelegram, start_bot: StartBot, athlete: User, redis: Redis
) -> None:
    await start_bot()
    chat = CHAT + 20
    for i in range(6):
        telegram.user_sends(chat, f"/start WRONG{i:03d}")
        await until(lambda n=i: len(telegram.bot_messages(chat)) == n + 1, what=f"reply {i}")
    last = telegram.bot_messages(chat)[-1]["text"]
    assert "Too many wrong codes" in last
    # even the right code is refused while the chat is locked out
    code = (await create_link_code(redis, athlete.id)).code
    telegram.user_sends(chat, f"/start {code}")
    await until(lambda: len(telegram.bot_messages(chat)) == 7)
    assert "Too many wrong codes" in telegram.bot_messages(chat)[-1]["text"]
