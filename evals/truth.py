"""Ground truth, computed from the stored rows with plain SQL (`evals.repository`) and arithmetic, never by
the coach's tools.

Every figure a question expects comes from these functions, so a tool that computes something wrong scores
wrong instead of agreeing with itself. Local days are in the athlete's time zone, as the athlete means them.
"""

from __future__ import annotations

from datetime import date, timedelta

from evals.repository import Run, activities, gear_km, health, samples_mean, seconds_above

__all__ = [
    "Run",
    "activities",
    "fitness",
    "gear_km",
    "health",
    "in_range",
    "month_range",
    "runs",
    "samples_mean",
    "seconds_above",
    "week_start",
]


def runs(all_activities: list[Run]) -> list[Run]:
    return [a for a in all_activities if a.sport == "running" and a.distance_km > 0]


def fitness(all_activities: list[Run], today: date) -> dict[str, float]:
    """CTL, ATL (today, after today's load) and TSB (yesterday's CTL − ATL): TrainingPeaks' definitions,
    from the stored per-activity loads summed per local day, starting at zero on the first activity's day."""
    by_day: dict[date, float] = {}
    for a in all_activities:
        by_day[a.day] = by_day.get(a.day, 0.0) + (a.load or 0.0)
    ctl = atl = 0.0
    prev = (0.0, 0.0)
    day = min(by_day)
    while day <= today:
        prev = (ctl, atl)
        load = by_day.get(day, 0.0)
        ctl += (load - ctl) / 42
        atl += (load - atl) / 7
        day += timedelta(days=1)
    return {"ctl": ctl, "atl": atl, "tsb": prev[0] - prev[1]}


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def in_range(items: list[Run], first: date, last: date) -> list[Run]:
    return [a for a in items if first <= a.day <= last]


def month_range(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)
