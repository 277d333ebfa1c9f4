"""Planned vs done: the execution scores of a month of done sessions (`score_sessions`, one samples query
for all the runs) against scoring them one run at a time (a samples query per run), and the plan calendar's
month with its scores — computed on the first read, then stored — against the same calendar without them.

    python bench/execution_scores.py [--runs 30] [--minutes 60] [--rounds 7]

It starts its own embedded PostgreSQL under a temporary RUNCOACH_HOME, migrates, generates a marathon plan,
stores `--runs` one-per-day runs of `--minutes` minutes with per-second samples that follow each session's
easy pace, and marks the sessions done. Times are wall-clock in this process, median of `--rounds` after a
warm-up; both ways must give the same scores.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.harness import run_on_fresh_database  # noqa: E402

START = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)  # a Monday


async def _median(rounds: int, fn: Callable[[], Awaitable[Any]]) -> float:
    await fn()
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


async def _bench(runs: int, minutes: int, rounds: int) -> None:
    from sqlalchemy import select

    from core.database import get_sessionmaker
    from core.models import Activity
    from core.models import PlannedSession as SessionRow
    from tests.factories import create_activity, create_user
    from tools.deps import ToolDeps
    from tools.plans import calendar as calendar_module
    from tools.plans.calendar import CalendarInput, plan_calendar
    from tools.plans.execution import score_sessions
    from tools.registry import call_tool

    async with get_sessionmaker()() as session:
        user = await create_user(session)
        deps = ToolDeps.for_user(session, user, now=START)
        await call_tool(
            "generate_plan",
            deps,
            {
                "race_date": "2027-03-14",
                "distance": "marathon",
                "goal_time_s": 12600,
                "days_per_week": 7,
                "current_weekly_km": 60,
                "max_weekly_km": 90,
            },
        )
        rows = list(
            (
                await session.execute(
                    select(SessionRow)
                    .where(SessionRow.user_id == user.id, SessionRow.kind.notin_(("rest", "strength")))
                    .order_by(SessionRow.date)
                    .limit(runs)
                )
            ).scalars()
        )
        pairs: list[tuple[SessionRow, Activity]] = []
        for row in rows:
            start = datetime.combine(row.date, clock(7), tzinfo=UTC)
            activity = await create_activity(session, user, start=start, seconds=minutes * 60, speed=3.1)
            row.status, row.activity_id = "done", activity.id
            pairs.append((row, activity))
        await session.commit()
        first, last = rows[0].date, rows[-1].date
        deps = ToolDeps.for_user(session, user, now=datetime.combine(last + timedelta(days=1), clock(7), UTC))

        async def batched() -> dict[int, Any]:
            return await score_sessions(deps, pairs)

        async def one_by_one() -> dict[int, Any]:
            out: dict[int, Any] = {}
            for pair in pairs:
                out.update(await score_sessions(deps, [pair]))
            return out

        same = {k: v.score for k, v in (await batched()).items()} == {
            k: v.score for k, v in (await one_by_one()).items()
        }
        t_batched = await _median(rounds, batched)
        t_single = await _median(rounds, one_by_one)
        args = CalendarInput(start=first, end=last)

        async def calendar() -> Any:
            return await plan_calendar(deps, args)

        async def calendar_first_read() -> Any:
            for row, _ in pairs:
                row.execution = None  # as if never read: computed and stored
            return await plan_calendar(deps, args)

        t_first = await _median(rounds, calendar_first_read)
        t_calendar = await _median(rounds, calendar)
        original = calendar_module.session_briefs

        async def no_scores(_deps: ToolDeps, _pairs: Any) -> dict[int, Any]:
            return {}

        calendar_module.session_briefs = no_scores  # type: ignore[assignment]
        try:
            t_bare = await _median(rounds, calendar)
        finally:
            calendar_module.session_briefs = original
        samples = runs * minutes * 60
        print(f"execution scores: {runs} runs × {minutes} min ({samples:,} samples), {first}–{last}")
        print(f"  scores, one query for all runs     {t_batched * 1000:8.1f} ms")
        print(f"  scores, one query per run          {t_single * 1000:8.1f} ms  (same scores: {same})")
        print(
            f"  plan calendar, scores computed     {t_first * 1000:8.1f} ms  (first read: computed, stored)"
        )
        print(f"  plan calendar, scores stored       {t_calendar * 1000:8.1f} ms")
        print(f"  plan calendar without scores       {t_bare * 1000:8.1f} ms  (baseline)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=7)
    a = parser.parse_args()
    run_on_fresh_database(lambda: _bench(a.runs, a.minutes, a.rounds))


if __name__ == "__main__":
    main()
