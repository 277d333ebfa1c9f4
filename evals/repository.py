"""The evaluation's ground-truth statements: plain SQL over the stored rows, never the coach's tools, so a
tool that computes something wrong scores wrong instead of agreeing with itself (`evals.truth`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
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


async def row_exists(session: AsyncSession, user_id: int, sql: str, params: dict[str, Any]) -> bool:
    """Whether `sql` (a question's effect check, with `:uid` for the athlete) finds a row."""
    return (await session.execute(text(sql), {"uid": user_id, **params})).first() is not None
