"""The marathon plan several plan, note and availability tests share: from Monday 23 November 2026 to a
marathon on Sunday 14 March 2027 (3:30 goal), 5 days a week from 40 km a week, at most 70."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from tools.plans.model import TrainingPlan
from tools.plans.periodize import periodize

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday
NOW = datetime.combine(date(2026, 12, 7), time(7), tzinfo=UTC)  # Monday of week 3
#: `generate_plan`'s input for it
PLAN: dict[str, Any] = {
    "race_date": "2027-03-14",
    "distance": "marathon",
    "goal_time_s": 3 * 3600 + 30 * 60,
    "days_per_week": 5,
    "current_weekly_km": 40,
    "max_weekly_km": 70,
}


def marathon_plan() -> TrainingPlan:
    """The same plan from the pure generator (long runs on Sunday, no VDOT)."""
    return periodize(
        race_date=date(2027, 3, 14),
        race_distance_m=42_195.0,
        start_date=date(2026, 11, 23),
        days_per_week=5,
        long_run_weekday=6,
        current_weekly_km=40.0,
        max_weekly_km=70.0,
        goal_time_s=3.5 * 3600,
        current_vdot=None,
    )
