"""A week of simulated days for the demo athlete, through the real proactive path (`runcoach proactive
simulate`): the same trigger evaluation, system-started coach turns, notifications and delivery as in
production, on a clock that the simulation moves in 30-minute ticks.

The scenario (all in the athlete's time zone, Europe/Berlin): a demo athlete seeded up to the first day,
with a training plan to the demo A race and a Telegram chat linked; every night's sleep/HRV arrives at
06:00; each planned run of the week is run at 07:00 as planned — except the week's first key session,
which is skipped, and the week's last run, which ends at 22:30 (its feedback lands in quiet hours, so
Telegram holds it until 07:00); runs stored before the week already had their feedback; a 10K race 7
days after the first day; the daily trainer's retirement distance falls between the 2nd and the 3rd run.
Telegram delivery is recorded, not sent.

Everything happens in the caller's session; the CLI rolls it back, so nothing stays behind (the agent's
LangGraph checkpoints of the simulated turns are the one leftover).
"""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic_ai.models import Model
from sqlalchemy.ext.asyncio import AsyncSession

from agent.offline import INTRO
from core.models import Activity, DailyHealth, Notification, Race, User
from jobs.tasks.proactive import write_message
from tools.activities.demo import seed_demo
from tools.activities.repository import Activities
from tools.activities.store import NewActivity, store_activity
from tools.deps import ToolDeps
from tools.gear.gear import link_default_gear
from tools.gear.repository import GearRepository
from tools.health.repository import HealthDays
from tools.notifications import store
from tools.notifications.delivery import deliver_due
from tools.notifications.preferences import Trigger
from tools.notifications.repository import TelegramLinks
from tools.notifications.triggers import due_messages
from tools.plans.repository import PlannedSessions
from tools.plans.store import ACTIVE
from tools.races.repository import Races
from tools.registry import call_tool
from tools.training_load.activity import compute_activity_load

TICK = timedelta(minutes=30)
NIGHT_DATA_AT = time(6, 0)
RUN_AT = time(7, 0)
LATE_RUN_ENDS = time(22, 30)
EASY_SPEED_MPS = 1000 / 340  # 5:40 /km


@dataclass
class SimRow:
    """One delivered message: when (local), which trigger, which channel, the first line."""

    at: datetime
    trigger: str
    channel: str
    first_line: str


@dataclass
class Scenario:
    """What the simulated week contains (for checking the messages against it)."""

    start: date
    days: int
    run_days: list[date] = field(default_factory=list)
    late_run_day: date | None = None
    skipped_key_day: date | None = None
    race_day: date | None = None
    gear_crossed_day: date | None = None


class RecordingSender:
    """The Telegram channel of the simulation: records what would be sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[datetime, Notification]] = []
        self.now: datetime | None = None

    async def send(self, session: AsyncSession, user: User, notification: Notification) -> None:
        assert self.now is not None
        self.sent.append((self.now, notification))


def _run(start: datetime, distance_m: float) -> NewActivity:
    seconds = int(_duration(distance_m).total_seconds())
    ts = [start + timedelta(seconds=i) for i in range(0, seconds, 5)]
    return NewActivity(
        fields={
            "source": "demo",
            "name": "Demo: simulated run",
            "sport": "running",
            "start_time": start,
            "elapsed_s": float(seconds),
            "moving_s": float(seconds),
            "distance_m": distance_m,
            "avg_hr": 146.0,
            "max_hr": 158.0,
            "avg_speed_mps": EASY_SPEED_MPS,
        },
        samples={
            "ts": ts,
            "heart_rate": [146] * len(ts),
            "speed_mps": [EASY_SPEED_MPS] * len(ts),
            "distance_m": [EASY_SPEED_MPS * 5 * i for i in range(len(ts))],
        },
    )


async def _prepare(session: AsyncSession, start: date, days: int) -> tuple[User, Scenario, dict[date, float]]:
    seeded = await seed_demo(
        session, f"sim-{uuid.uuid4().hex[:8]}@runcoach.local", "simulated-demo", today=start
    )
    user = seeded.user
    tz = ZoneInfo(user.timezone)
    scenario = Scenario(start=start, days=days)
    TelegramLinks(session, user.id).add("0", {"sim": True})
    races = Races(session, user.id)
    [race_a] = await races.all()  # the seeded A race
    scenario.race_day = start + timedelta(days=7)
    races.add(Race(name="Sim City 10K", date=scenario.race_day, distance_m=10_000, priority="B"))
    await session.flush()
    deps = ToolDeps.for_user(session, user, now=datetime.combine(start, time(5, 0), tzinfo=tz))
    await call_tool("generate_plan", deps, {"race_id": race_a.id, "name": "Simulated plan"})
    # the new plan's runs of the week (no rest or race days; it has no strength sessions)
    sessions = await PlannedSessions(session, user.id).runs_between(
        start, start + timedelta(days=days - 1), statuses=("planned",), active=ACTIVE
    )
    runs: dict[date, float] = {}
    for planned in sessions:
        if (
            planned.is_key
            and scenario.skipped_key_day is None
            and planned.date < start + timedelta(days=days - 1)
        ):
            scenario.skipped_key_day = planned.date
            continue
        runs[planned.date] = planned.planned_distance_m or 8000.0
    scenario.run_days = sorted(runs)
    scenario.late_run_day = scenario.run_days[-1] if scenario.run_days else None
    # the seeded history is not news: its runs had their feedback before the simulated week
    history = await Activities(session, user.id).all(
        Activity.start_time >= datetime.combine(start - timedelta(days=3), time(), tzinfo=tz)
    )
    for activity in history:
        await store.create_notification(
            session,
            user.id,
            trigger=Trigger.AFTER_RUN,
            period_key=f"activity:{activity.id}",
            title="(before the simulated week)",
            body="-",
            channels=[],
            now=datetime.combine(start, time(), tzinfo=tz),
        )
    if len(scenario.run_days) >= 3:
        [gear] = await GearRepository(session, user.id).all()  # the seeded trainer
        first_two = sum(runs[d] for d in scenario.run_days[:2])
        gear.retire_at_m = gear.start_distance_m + first_two + 0.5 * runs[scenario.run_days[2]]
        scenario.gear_crossed_day = scenario.run_days[2]
    await session.flush()
    return user, scenario, runs


async def simulate_week(
    session: AsyncSession,
    *,
    start: date,
    days: int = 7,
    model: Model | None = None,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
) -> tuple[Scenario, list[SimRow]]:
    """Run the scenario in `session` (never committed here: the agent's turns commit, which the caller
    turns into savepoints if it wants to roll everything back)."""
    user, scenario, runs = await _prepare(session, start, days)
    tz = ZoneInfo(user.timezone)
    sender = RecordingSender()

    @asynccontextmanager
    async def same_session() -> Any:
        yield session

    rows: list[SimRow] = []
    now = datetime.combine(start, time(0, 0), tzinfo=tz)
    end = datetime.combine(start + timedelta(days=days), time(0, 0), tzinfo=tz)
    while now < end:
        local = now.astimezone(tz)
        day = local.date()
        if local.time() == NIGHT_DATA_AT and day != start:  # the seed has the first night already
            HealthDays(session, user.id).add(
                DailyHealth(
                    day=day,
                    sleep_s=7 * 3600 + 1200,
                    sleep_score=78,
                    resting_hr=48,
                    hrv_ms=57.0,
                    source="demo",
                )
            )
            await session.flush()
        if day in runs and local.time() == _run_slot(day, runs[day], scenario, tz):
            begin = now
            if day == scenario.late_run_day:
                begin = datetime.combine(day, LATE_RUN_ENDS, tzinfo=tz) - _duration(runs[day])
            activity = await store_activity(session, user.id, _run(begin, runs[day]))
            await link_default_gear(session, activity)
            await compute_activity_load(session, activity)
        for due in await due_messages(session, user, now):
            result = await write_message(session, due, now, model=model, checkpointer=checkpointer)
            notification = await session.get_one(Notification, result["notification_id"])
            rows.append(SimRow(local, str(due.trigger), "web", _first_line(notification)))
        sender.now = now
        await deliver_due({"telegram": sender}, now=now, scope=same_session, user_id=user.id)
        for sent_at, notification in sender.sent:
            rows.append(
                SimRow(sent_at.astimezone(tz), notification.trigger, "telegram", _first_line(notification))
            )
        sender.sent.clear()
        now = (now.astimezone(ZoneInfo("UTC")) + TICK).astimezone(tz)
    return scenario, rows


def _duration(distance_m: float) -> timedelta:
    return timedelta(seconds=int(distance_m / EASY_SPEED_MPS))


def _run_slot(day: date, distance_m: float, scenario: Scenario, tz: ZoneInfo) -> time:
    """The tick at which the day's run is stored: 07:00, or the slot in which the late run starts."""
    if day != scenario.late_run_day:
        return RUN_AT
    begin = datetime.combine(day, LATE_RUN_ENDS, tzinfo=tz) - _duration(distance_m)
    return (begin - timedelta(minutes=begin.minute % 30, seconds=begin.second)).time()


def _first_line(notification: Notification) -> str:
    """What the athlete sees first: the title (bold in Telegram), then the coach's first line of substance
    (the offline coach's fixed introduction, the same in every message, is skipped)."""
    lines = [line.strip() for line in notification.body.splitlines() if line.strip()]
    body = next((line for line in lines if not line.startswith(INTRO[:30])), "")
    return f"{notification.title} — {body[:70]}{'…' if len(body) > 70 else ''}"


def table(rows: list[SimRow]) -> str:
    lines = [f"{'day':<16}{'time':<7}{'trigger':<19}{'channel':<10}first line", "-" * 120]
    for row in sorted(rows, key=lambda r: (r.at, r.channel)):
        lines.append(
            f"{row.at:%a %Y-%m-%d}  {row.at:%H:%M}  {row.trigger:<19}{row.channel:<10}{row.first_line}"
        )
    return "\n".join(lines)
