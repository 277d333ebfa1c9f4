"""The must-show: a week of simulated days for the demo athlete produces exactly the expected proactive
messages (checked against the scenario, not against a recorded output), printed as a table (`pytest -s`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from sqlalchemy.ext.asyncio import AsyncSession

from agent.checkpoint import open_checkpointer
from agent.offline import offline_model
from core.runtime import Services
from jobs.tasks.proactive_simulation import simulate_week, table

MONDAY = date(2026, 3, 23)  # the week runs into the spring DST change (Sunday 29 March, Europe/Berlin)


@pytest.fixture(scope="module")
async def saver(services: Services) -> AsyncIterator[AsyncPostgresSaver]:
    saver, pool = await open_checkpointer(services.database_url, max_size=2)
    yield saver
    await pool.close()


async def test_a_week_of_the_demo_athlete(db: AsyncSession, saver: AsyncPostgresSaver) -> None:
    scenario, rows = await simulate_week(db, start=MONDAY, days=7, model=offline_model(), checkpointer=saver)
    print("\n" + table(rows))
    days = [MONDAY + timedelta(days=i) for i in range(7)]
    assert scenario.run_days and scenario.skipped_key_day and scenario.gear_crossed_day

    expected: Counter[tuple[date, str]] = Counter()
    for day in days:
        expected[(day, "morning_readiness")] += 1
    for day in scenario.run_days:
        expected[(day, "after_run")] += 1
    expected[(days[6], "weekly_review")] += 1  # Sunday 19:00
    expected[(MONDAY, "race_week")] += 1  # the 10K is 7 days away
    expected[(days[6], "race_week")] += 1  # …and tomorrow
    expected[(scenario.gear_crossed_day, "gear_threshold")] += 1
    expected[(scenario.skipped_key_day + timedelta(days=1), "missed_session")] += 1

    web = Counter((r.at.date(), r.trigger) for r in rows if r.channel == "web")
    assert web == expected

    # Telegram gets the same messages, never one inside quiet hours (22:00-07:00): the late run's
    # feedback (22:30) waits for 07:00 the next morning, which is past the simulated week when that run
    # was on its last day
    telegram = [r for r in rows if r.channel == "telegram"]
    assert all(7 <= r.at.hour < 22 for r in telegram)
    late = scenario.late_run_day
    assert late is not None
    held = Counter({(late, "after_run"): 1})
    released = Counter() if late == days[6] else Counter({(late + timedelta(days=1), "after_run"): 1})
    assert Counter((r.at.date(), r.trigger) for r in telegram) == expected - held + released
    late_web = next(r for r in rows if r.channel == "web" and (r.at.date(), r.trigger) == (late, "after_run"))
    assert (late_web.at.hour, late_web.at.minute) == (22, 30)
    # every message was written by the coach from a tool result (the offline coach names it)
    assert all(r.first_line for r in rows)
    assert len({r.first_line for r in rows if r.channel == "web"}) == sum(expected.values())
