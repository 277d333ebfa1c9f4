"""The coaching loop closed: a bad night → the morning message proposes a lighter session and says why →
the athlete presses Approve in Telegram → today's session is changed on the plan and re-pushed to Garmin.

Everything real but the outside services: PostgreSQL, Redis, the Taskiq worker running the proactive job,
the offline coach in `agent.stream`, python-telegram-bot long-polling the fake Bot API, and the
garminconnect client against the Garmin fake. Data is committed (the worker and the bot open their own
units of work); the user is deleted after the test.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from redis.asyncio import Redis
from sqlalchemy import select

from bots.telegram.app import run_polling
from bots.telegram.handlers import CoachBot
from bots.telegram.sender import TelegramSender
from core.database import session_scope
from core.models import DailyHealth, Integration, Notification, PlannedSession, User
from core.models import Workout as WorkoutRow
from core.settings import Settings
from jobs.tasks.proactive import deliver_notifications, plan_user
from tests.bots.conftest import EMAIL_DOMAIN, until
from tests.factories import create_user, good_nights
from tests.fakes import FakeGarmin
from tests.fakes.telegram import FakeTelegram
from tests.support.worker import running_worker
from tools.deps import ToolDeps
from tools.garmin.auth import connect_garmin
from tools.notifications.store import NotificationList, list_notifications
from tools.registry import call_tool

EMAIL = "runner@example.com"
PASSWORD = "correct horse battery staple"
START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # a Monday: the plan starts here
CHAT = 8_800_017


@pytest.fixture
def garmin(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGarmin]:
    with FakeGarmin(email=EMAIL, password=PASSWORD) as fake:
        monkeypatch.delenv("GARMINTOKENS", raising=False)
        fake.apply_env(monkeypatch)
        for key in ("NO_PROXY", "no_proxy"):  # the Telegram fake on loopback is reached directly
            monkeypatch.setenv(key, "127.0.0.1,localhost")
        yield fake
        assert fake.errors == [] and fake.refused == []


async def _tool(user: User, now: datetime, name: str, args: dict[str, Any]) -> dict[str, Any]:
    async with session_scope() as session:
        deps = ToolDeps.for_user(session, await session.get_one(User, user.id), now=now)
        return (await call_tool(name, deps, args)).model_dump(mode="json")


async def _athlete_with_a_pushed_key_session(garmin: FakeGarmin) -> tuple[User, dict[str, Any]]:
    """A linked, Garmin-connected athlete with a plan whose first key session (after the first few days) is
    on the Garmin calendar, 40 ordinary nights before it and a bad one on its morning."""
    async with session_scope() as session:
        user = await create_user(session, email=f"am-{uuid.uuid4().hex[:8]}@{EMAIL_DOMAIN}", timezone="UTC")
        session.add(Integration(user_id=user.id, provider="telegram", external_id=str(CHAT)))
    await connect_garmin(user.id, EMAIL, PASSWORD)
    plan = await _tool(
        user,
        START,
        "generate_plan",
        {
            "race_date": "2027-03-14",
            "distance": "marathon",
            "goal_time_s": 12_600,
            "current_weekly_km": 40,
            "max_weekly_km": 70,
        },
    )
    key = next(
        s
        for w in plan["weeks"]
        for s in w["sessions"]
        if s["is_key"] and s["kind"] != "race" and s["date"] >= "2026-11-26"
    )
    pushed = await _tool(user, START, "push_workout", {"date": key["date"]})
    assert pushed["workout_id"] == key["workout_id"]
    day = date.fromisoformat(key["date"])
    async with session_scope() as session:
        session.add_all(good_nights(user.id, day))
        # the bad night: 5 h 30 of poor sleep, HRV well under the baseline, resting HR up
        session.add(
            DailyHealth(user_id=user.id, day=day, hrv_ms=45, resting_hr=53, sleep_score=55, sleep_s=19_800)
        )
    return user, {**key, "garmin_workout_id": pushed["garmin_workout_id"]}


@pytest.fixture
async def bot(
    bot_settings: Settings, bot_checkpointer: AsyncPostgresSaver, redis: Redis
) -> AsyncIterator[dict[str, Any]]:
    """The bot long-polling the fake, its clock set by the test (`clock["now"]`)."""
    clock: dict[str, Any] = {"now": START}
    coach = CoachBot(
        bot_settings, checkpointer=bot_checkpointer, redis=lambda: redis, now=lambda: clock["now"]
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_polling(bot_settings, stop, coach=coach, poll_timeout=1))
    yield clock
    stop.set()
    await asyncio.wait_for(task, timeout=15)


async def _inbox(user: User) -> NotificationList:
    async with session_scope() as session:
        return await list_notifications(session, user.id)


async def _session(session_id: int) -> tuple[PlannedSession, WorkoutRow]:
    async with session_scope() as session:
        planned = await session.get_one(PlannedSession, session_id)
        assert planned.workout_id is not None
        return planned, await session.get_one(WorkoutRow, planned.workout_id)


async def test_a_bad_night_proposes_a_lighter_day_approved_in_telegram_and_re_pushed(
    garmin: FakeGarmin,
    telegram: FakeTelegram,
    bot_settings: Settings,
    redis: Redis,
    bot: dict[str, Any],
) -> None:
    user, key = await _athlete_with_a_pushed_key_session(garmin)
    old_garmin_id = int(key["garmin_workout_id"])
    assert list(garmin.workouts) == [old_garmin_id] and len(garmin.posted_workouts) == 1
    morning = datetime.combine(date.fromisoformat(key["date"]), time(7, 15), tzinfo=UTC)
    bot["now"] = morning

    # the scheduler's tick finds the morning message due; the worker's job writes it through the coach
    async with running_worker():
        async with session_scope() as session:
            due = await plan_user(session, await session.get_one(User, user.id), morning)
        assert [d.trigger for d in due] == ["morning_readiness"]

        async def written() -> Notification | None:
            async with session_scope() as session:
                found = await session.execute(select(Notification).where(Notification.user_id == user.id))
                return found.scalar_one_or_none()

        notification = await until(written, within_s=60, what="the morning message")
    assert notification.data["tools"] == ["readiness", "adjust_today"]
    approval = notification.data["approval"]
    assert approval["tool"] == "apply_today_adjustment"
    assert approval["arguments"] == {"session_id": key["session_id"], "action": "easy"}
    assert notification.data["proposal"]["action"] == "easy"
    body = notification.body
    assert body.startswith("Good morning!") and "take it easy" in body
    # it says why: the signals beside the athlete's own baselines
    assert "sleep 5.5 h vs your 28-night baseline 8.0 h" in body
    assert "HRV 45 ms vs your 28-night baseline 62 ms" in body
    planned, _ = await _session(key["session_id"])
    assert planned.status == "planned" and planned.kind == key["kind"]  # nothing changed yet
    [inbox] = (await _inbox(user)).notifications  # what the web inbox's card shows
    assert inbox.offer is not None and not inbox.offer.answered and inbox.proposal is not None
    assert inbox.proposal.session_title == key["title"] and inbox.proposal.action == "easy"

    # delivered to Telegram with Approve / Keep under it
    report = await deliver_notifications(
        morning, senders={"telegram": TelegramSender(bot_settings, redis=redis)}
    )
    assert report["sent"] == 1
    [message] = [m for m in telegram.bot_messages(CHAT) if telegram.buttons(m)]
    buttons = telegram.buttons(message)
    assert set(buttons) == {"✅ Approve", "↩️ Keep the plan"}
    assert "vs your 28-night baseline" in message["text"]
    assert len(garmin.posted_workouts) == 1  # the proposal alone sends nothing to the watch

    # the athlete approves: the paused morning turn resumes in the bot and applies the change
    before = len(telegram.bot_messages(CHAT))
    telegram.user_presses(CHAT, message["message_id"], buttons["✅ Approve"])
    await until(
        lambda: any("Offline coach" in m["text"] for m in telegram.bot_messages(CHAT)[before:]),
        what="the whole reply",
    )
    reply = next(m for m in telegram.bot_messages(CHAT)[before:] if "Done." in m["text"])
    assert "Easy run (adjusted from" in reply["text"]
    assert "Your Garmin calendar has the new workout" in reply["text"]
    pressed = next(m for m in telegram.bot_messages(CHAT) if m["message_id"] == message["message_id"])
    assert pressed["text"].endswith("✅ Approved") and not telegram.buttons(pressed)

    # today's session is changed on the calendar (the turn commits as it ends) …
    async def adjusted() -> bool:
        return (await _session(key["session_id"]))[0].status == "adjusted"

    await until(adjusted, what="the turn's commit")
    planned, workout = await _session(key["session_id"])
    assert planned.status == "adjusted" and planned.kind == "easy" and not planned.is_key
    assert planned.planned_distance_m is not None
    assert planned.planned_distance_m <= max(3000.0, key["distance_km"] * 1000 * 0.6) + 100
    plan = await _tool(user, morning, "get_plan", {})
    today = next(s for w in plan["weeks"] for s in w["sessions"] if s["session_id"] == key["session_id"])
    assert today["status"] == "adjusted" and today["kind"] == "easy" and plan["checks"] == []
    # … and re-pushed: exactly one new workout at Garmin, the old copy deleted, the new one on that day
    assert len(garmin.posted_workouts) == 2
    new_garmin_id = int(str(workout.garmin_workout_id))
    assert list(garmin.workouts) == [new_garmin_id] and new_garmin_id != old_garmin_id
    assert garmin.posted_schedules[-1] == (new_garmin_id, {"date": key["date"]})
    assert garmin.workouts[new_garmin_id]["workoutName"] == workout.name

    [inbox] = (await _inbox(user)).notifications
    assert inbox.offer is not None and inbox.offer.answered  # the web card no longer offers the buttons

    # the buttons work once: Keep after Approve changes nothing
    telegram.user_presses(CHAT, message["message_id"], buttons["↩️ Keep the plan"])
    answered = await until(lambda: telegram.calls_of("answerCallbackQuery")[1:], what="the second answer")
    assert answered[-1].params.get("text") == "This was already answered."
    assert len(garmin.posted_workouts) == 2


async def test_today_on_a_bad_morning_offers_the_change_and_keep_changes_nothing(
    garmin: FakeGarmin, telegram: FakeTelegram, bot: dict[str, Any]
) -> None:
    """`/today` no longer only shows: with a proposed change the coach offers it with buttons; declining
    keeps the session and the watch as they were."""
    _, key = await _athlete_with_a_pushed_key_session(garmin)
    bot["now"] = datetime.combine(date.fromisoformat(key["date"]), time(7, 15), tzinfo=UTC)
    telegram.user_sends(CHAT, "/today")
    ask = await until(
        lambda: [m for m in telegram.bot_messages(CHAT) if telegram.buttons(m)], what="the approval buttons"
    )
    assert "Suggested instead: Easy run" in telegram.bot_messages(CHAT)[0]["text"]
    assert "apply_today_adjustment" in ask[-1]["text"]
    buttons = telegram.buttons(ask[-1])
    before = len(telegram.bot_messages(CHAT))
    telegram.user_presses(CHAT, ask[-1]["message_id"], buttons["✖️ Deny"])
    await until(
        lambda: any("as planned" in m["text"] for m in telegram.bot_messages(CHAT)[before:]),
        what="the coach keeping the plan",
    )
    planned, workout = await _session(key["session_id"])
    assert planned.status == "planned" and planned.kind == key["kind"]
    assert workout.garmin_workout_id == key["garmin_workout_id"] and len(garmin.posted_workouts) == 1


async def test_an_approved_rest_day_removes_the_workout_from_garmin(garmin: FakeGarmin) -> None:
    """A rest day has nothing to run: the approved change deletes the old copy instead of pushing one."""
    user, key = await _athlete_with_a_pushed_key_session(garmin)
    morning = datetime.combine(date.fromisoformat(key["date"]), time(7, 15), tzinfo=UTC)
    args = {"session_id": key["session_id"], "action": "rest"}
    out = await _tool(user, morning, "apply_today_adjustment", args)
    assert out["garmin"] == "removed" and out["workout"]["kind"] == "rest"
    planned, workout = await _session(key["session_id"])
    assert planned.status == "adjusted" and workout.garmin_workout_id is None
    assert garmin.workouts == {} and len(garmin.posted_workouts) == 1  # deleted, nothing new sent
