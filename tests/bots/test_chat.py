"""Chat through the bot: a streamed answer as message edits, an approval round trip with inline buttons
(each working once), FIT documents imported (or refused with the reason), and the commands.

`test_recorded_session` is the must-show: link → question → streamed edits → approval → result, written
as the fake Bot API server's log to a file under the test's tmp dir and printed (`pytest -s`).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pydantic_ai.messages import ModelMessage, ModelRequest, UserPromptPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from agent.offline import offline_stream
from core.models import Activity, Conversation, Job, Message, Race, User
from tests.bots.conftest import StartBot, until
from tests.factories import create_activity
from tests.fakes.telegram import FakeTelegram
from tests.support.shared_data import require
from tests.support.worker import running_worker
from tools.notifications.telegram_link import create_link_code

RUNNING_FIT = "fit/fitdecode/tests/files/2013-02-06-12-11-14.fit"


def race_model() -> FunctionModel:
    """The offline coach, plus one rule: "delete race N" asks to run the real delete_race tool."""

    async def respond(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        last = messages[-1]
        if isinstance(last, ModelRequest):
            prompt = next((p for p in last.parts if isinstance(p, UserPromptPart)), None)
            found = re.search(r"delete race (\d+)", str(prompt.content)) if prompt else None
            if found:
                args = json.dumps({"race_id": int(found.group(1))})
                yield {0: DeltaToolCall(name="delete_race", json_args=args, tool_call_id=None)}
                return
        async for chunk in offline_stream(messages, info):
            yield chunk

    return FunctionModel(stream_function=respond, model_name="race-model")


async def _linked(telegram: FakeTelegram, redis: Redis, user: User, chat: int) -> None:
    code = (await create_link_code(redis, user.id)).code
    telegram.user_sends(chat, f"/start {code}")
    await until(lambda: any("Linked to" in m["text"] for m in telegram.bot_messages(chat)), what="linking")


async def _with_run_and_race(engine: AsyncEngine, user: User) -> int:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await create_activity(
            session, user, start=datetime.now(UTC) - timedelta(days=1), seconds=1800, speed=3.2, name="Tempo"
        )
        race = Race(
            user_id=user.id, name="Spring 10K", date=date.today() + timedelta(days=40), distance_m=10000
        )
        session.add(race)
        await session.commit()
        return race.id


async def _race_exists(engine: AsyncEngine, race_id: int) -> bool:
    async with AsyncSession(engine) as session:
        return await session.get(Race, race_id) is not None


async def _race_gone(engine: AsyncEngine, race_id: int) -> bool:
    return not await _race_exists(engine, race_id)


async def test_recorded_session(
    telegram: FakeTelegram,
    start_bot: StartBot,
    athlete: User,
    redis: Redis,
    engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    chat = 7_700_001
    race_id = await _with_run_and_race(engine, athlete)
    await start_bot(model=race_model())
    await _linked(telegram, redis, athlete, chat)

    # a question: the answer streams in as edits of one message, tool shown first
    telegram.user_sends(chat, "how was my last run?")
    answer = await until(
        lambda: (
            [m for m in telegram.bot_messages(chat) if "Offline coach" in m["text"]]
            and telegram.calls_of("editMessageText", chat_id=chat)
        ),
        what="the streamed answer",
    )
    await until(lambda: "local server)" in telegram.bot_messages(chat)[-1]["text"], what="the full answer")
    streamed = telegram.bot_messages(chat)[-1]
    edits = telegram.calls_of("editMessageText", chat_id=chat, message_id=streamed["message_id"])
    assert len(edits) >= 3, "the answer should arrive in several edits"
    texts = [str(call.params["text"]) for call in edits]
    assert all(len(a) < len(b) for a, b in itertools.pairwise(texts)), "each edit adds text"
    assert streamed["text"].startswith("🔧 list_activities")
    # the figures are the tool's: 1800 s at 3.2 m/s
    assert "Tempo" in streamed["text"] and "5.76 km in 30:00" in streamed["text"]
    assert answer

    # an action with effects: approval buttons, nothing done yet
    telegram.user_sends(chat, f"please delete race {race_id}")
    ask = await until(
        lambda: [m for m in telegram.bot_messages(chat) if telegram.buttons(m)], what="the approval buttons"
    )
    buttons = telegram.buttons(ask[-1])
    assert set(buttons) == {"✅ Approve", "✖️ Deny"} and "delete_race" in ask[-1]["text"]
    assert await _race_exists(engine, race_id)

    # approve: the same turn resumes, the race is deleted, the result is reported
    before = len(telegram.bot_messages(chat))
    telegram.user_presses(chat, ask[-1]["message_id"], buttons["✅ Approve"])
    await until(
        lambda: (
            len(telegram.bot_messages(chat)) > before
            and "local server)" in telegram.bot_messages(chat)[-1]["text"]
        ),
        what="the result",
    )
    await until(lambda: _race_gone(engine, race_id), what="the race deleted")
    result = telegram.bot_messages(chat)[-1]["text"]
    assert "From delete_race" in result
    approved = next(m for m in telegram.bot_messages(chat) if m["message_id"] == ask[-1]["message_id"])
    assert approved["text"].endswith("✅ Approved") and not telegram.buttons(approved)

    # each button works once: pressing again (either button) runs nothing
    count = len(telegram.bot_messages(chat))
    telegram.user_presses(chat, ask[-1]["message_id"], buttons["✖️ Deny"])
    answered = await until(lambda: telegram.calls_of("answerCallbackQuery")[1:], what="the second answer")
    assert answered[-1].params.get("text") == "This was already answered."
    assert len(telegram.bot_messages(chat)) == count

    async with AsyncSession(engine) as session:
        roles = await session.execute(
            select(Message.role)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.user_id == athlete.id, Conversation.channel == "telegram")
            .order_by(Message.id)
        )
        # the chat is one stored conversation: question, answer, request, approval, result
        assert list(roles.scalars()) == ["user", "assistant", "user", "assistant", "approval", "assistant"]

    log = tmp_path / "telegram-session.log"
    log.write_text(telegram.transcript() + "\n")
    print(f"\n--- recorded Bot API session ({log}) ---\n{log.read_text()}")


@pytest.fixture
async def worker(engine: AsyncEngine, redis: Redis) -> AsyncIterator[None]:
    """The real import job runs in a worker, as `runcoach worker` runs it."""
    async with running_worker():
        yield


async def test_fit_documents_are_imported_or_refused_with_the_reason(
    telegram: FakeTelegram,
    start_bot: StartBot,
    athlete: User,
    redis: Redis,
    engine: AsyncEngine,
    worker: None,
) -> None:
    chat = 7_700_002
    data = require(RUNNING_FIT).read_bytes()
    await start_bot()
    await _linked(telegram, redis, athlete, chat)

    telegram.user_sends_document(chat, "morning.fit", data)
    reply = await until(
        lambda: [m for m in telegram.bot_messages(chat) if "Imported" in m["text"]], what="the import reply"
    )
    text = reply[-1]["text"]
    async with AsyncSession(engine) as session:
        activity = (
            await session.execute(select(Activity).where(Activity.user_id == athlete.id))
        ).scalar_one()
    assert f"{activity.distance_m / 1000:.2f}".rstrip("0") in text and "/km" in text
    assert f"{activity.sample_count} samples" in text
    link = next(e for e in reply[-1]["entities"] if e["type"] == "text_link")
    assert link["url"] == f"https://coach.example.com/activities/{activity.id}"
    assert telegram.calls_of("getFile")

    telegram.user_sends_document(chat, "morning.fit", data)  # again: nothing new
    await until(lambda: any("Already imported" in m["text"] for m in telegram.bot_messages(chat)))

    telegram.user_sends_document(chat, "broken.fit", b"this is not a FIT file at all")
    refused = await until(
        lambda: [m for m in telegram.bot_messages(chat) if "could not import broken.fit" in m["text"]]
    )
    assert "FIT" in refused[-1]["text"]

    telegram.user_sends_document(chat, "notes.txt", b"hello")
    await until(lambda: any("can import .fit" in m["text"] for m in telegram.bot_messages(chat)))
    async with AsyncSession(engine) as session:
        count = await session.scalar(
            select(func.count()).select_from(Activity).where(Activity.user_id == athlete.id)
        )
    assert count == 1
    async with AsyncSession(engine) as session:  # through the import job, marked as from Telegram
        jobs = (await session.execute(select(Job).where(Job.user_id == athlete.id))).scalars().all()
        sources = (await session.execute(select(Activity.source).where(Activity.user_id == athlete.id))).all()
    assert sorted(j.kind for j in jobs) == ["activities.import"] * 3 and sources == [("telegram",)]


async def test_commands_answer_from_the_tools(
    telegram: FakeTelegram, start_bot: StartBot, athlete: User, redis: Redis, engine: AsyncEngine
) -> None:
    chat = 7_700_003
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await create_activity(
            session,
            athlete,
            start=datetime.now(UTC) - timedelta(days=2),
            seconds=2400,
            speed=3.0,
            name="Easy",
        )
        await session.commit()
    await start_bot()
    await _linked(telegram, redis, athlete, chat)
    for command in ("/week", "/today", "/plan", "/sync", "/help"):
        telegram.user_sends(chat, command)
        await until(lambda n=len(telegram.bot_messages(chat)): len(telegram.bot_messages(chat)) > n)
    week, today, plan, sync, help_ = [m["text"] for m in telegram.bot_messages(chat)[-5:]]
    assert "7.2 km" in week and "Easy" in week
    assert today.startswith("Today,") and "Readiness" in today
    assert "plan" in plan.lower()  # no plan yet: the tool's own explanation
    assert "Garmin" in sync  # not connected: the tool says how to connect
    assert "/today" in help_ and "/unlink" in help_


async def test_an_untraced_figure_is_marked_in_the_telegram_answer(
    telegram: FakeTelegram, start_bot: StartBot, athlete: User, redis: Redis
) -> None:
    async def respond(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        last = messages[-1]
        if isinstance(last, ModelRequest) and any(isinstance(p, UserPromptPart) for p in last.parts):
            yield {0: DeltaToolCall(name="whoami", json_args="{}")}
            return
        yield "Run your long run at 142 bpm."

    chat = 7_700_004
    await start_bot(model=FunctionModel(stream_function=respond, model_name="inventing-model"))
    await _linked(telegram, redis, athlete, chat)
    telegram.user_sends(chat, "long run advice")
    await until(
        lambda: telegram.bot_messages(chat)[-1]["text"].endswith("142 bpm ⚠."), what="the marked answer"
    )
