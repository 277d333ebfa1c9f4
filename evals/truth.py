"""Ground truth, computed here from the stored rows with plain SQL and arithmetic, never by the coach's tools.

Every figure a question expects comes from these functions, so a tool that computes something wrong scores
wrong instead of agreeing with itself. Local days are in the athlete's time zone, as the athlete means them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class Run:
    id: int
    name: str
    sport: str
    day: date
    start: datetime
    distance_km: float
    moving_s: float
    elapsed_s: float
    avg_hr: float | None
    max_hr: float | None
    avg_cadence: float | None
    load: float | None

    @property
    def pace_s_per_km(self) -> float:
        return self.moving_s / self.distance_km


async def activities(session: AsyncSession, user_id: int, tz: str) -> list[Run]:
    """Every top-level activity, oldest first."""
    rows = await session.execute(
        text(
            """
            SELECT id, coalesce(name, ''), sport, (start_time AT TIME ZONE :tz)::date AS day, start_time,
                   coalesce(distance_m, 0) / 1000.0, coalesce(moving_s, elapsed_s), elapsed_s, avg_hr, max_hr,
                   avg_cadence, training_load
            FROM activities WHERE user_id = :uid AND parent_id IS NULL ORDER BY start_time
            """
        ),
        {"uid": user_id, "tz": tz},
    )
    return [Run(*row) for row in rows]


def runs(all_activities: list[Run]) -> list[Run]:
    return [a for a in all_activities if a.sport == "running" and a.distance_km > 0]


async def samples_mean(
    session: AsyncSession,
    activity_id: int,
    column: str,
    *,
    second_half: bool = False,
) -> float | None:
    """Mean of one sample column of one activity (optionally over its second half by time)."""
    assert column in {"heart_rate", "cadence", "speed_mps", "power_w"}
    where = ""
    if second_half:
        where = (
            " AND ts >= (SELECT min(ts) + (max(ts) - min(ts)) / 2 FROM activity_samples"
            " WHERE activity_id = :a)"
        )
    value = (
        await session.execute(
            text(f"SELECT avg({column}) FROM activity_samples WHERE activity_id = :a{where}"),
            {"a": activity_id},
        )
    ).scalar()
    return float(value) if value is not None else None


async def seconds_above(session: AsyncSession, activity_id: int, bpm: float) -> float:
    """Seconds of the recording with heart rate above `bpm` (each sample counts until the next one)."""
    value = (
        await session.execute(
            text(
                """
                SELECT coalesce(sum(gap), 0) FROM (
                  SELECT heart_rate,
                         least(extract(epoch FROM lead(ts) OVER (ORDER BY ts) - ts), 30) AS gap
                  FROM activity_samples WHERE activity_id = :a
                ) s WHERE heart_rate > :bpm AND gap IS NOT NULL
                """
            ),
            {"a": activity_id, "bpm": bpm},
        )
    ).scalar()
    return float(value or 0)


async def gear_km(session: AsyncSession, user_id: int, name: str) -> float:
    """Distance on a piece of gear: its starting distance plus every linked activity's distance."""
    value = (
        await session.execute(
            text(
                """
                SELECT g.start_distance_m + coalesce(sum(a.distance_m), 0)
                FROM gear g
                LEFT JOIN activity_gear ag ON ag.gear_id = g.id
                LEFT JOIN activities a ON a.id = ag.activity_id
                WHERE g.user_id = :uid AND g.name = :name GROUP BY g.id
                """
            ),
            {"uid": user_id, "name": name},
        )
    ).scalar()
    return float(value or 0) / 1000


async def health(session: AsyncSession, user_id: int) -> dict[date, dict[str, Any]]:
    rows = await session.execute(
        text("SELECT day, sleep_s, resting_hr, hrv_ms FROM daily_health WHERE user_id = :uid ORDER BY day"),
        {"uid": user_id},
    )
    return {day: {"sleep_s": s, "resting_hr": r, "hrv_ms": h} for day, s, r, h in rows}


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
