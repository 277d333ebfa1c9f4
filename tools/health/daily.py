"""`daily_health`: the athlete's days of sleep, HRV, resting heart rate, body battery, stress and steps, as
stored from Garmin (or another source), with averages over the days that have each value."""

from __future__ import annotations

import math
from datetime import date, timedelta

from pydantic import BaseModel, Field

from core.models import DailyHealth
from tools.deps import ToolDeps
from tools.health.repository import HealthDays
from tools.registry import tool

DEFAULT_DAYS = 30
MAX_DAYS = 366


class DailyHealthInput(BaseModel):
    since: date | None = Field(default=None, description=f"first day (default: {DEFAULT_DAYS} days ago)")
    until: date | None = Field(default=None, description="last day (default: today)")


class HealthDay(BaseModel):
    day: date
    sleep_h: float | None = Field(description="total sleep, hours")
    sleep_score: int | None
    deep_sleep_h: float | None
    light_sleep_h: float | None
    rem_sleep_h: float | None
    awake_h: float | None
    resting_hr: int | None
    hrv_ms: float | None = Field(description="overnight HRV (RMSSD), ms")
    hrv_status: str | None
    body_battery_high: int | None
    body_battery_low: int | None
    stress_avg: int | None
    steps: int | None
    source: str


class HealthAverages(BaseModel):
    sleep_h: float | None
    resting_hr: float | None
    hrv_ms: float | None
    steps: float | None


class DailyHealthOutput(BaseModel):
    since: date
    until: date
    days: list[HealthDay] = Field(description="days with data, oldest first (days without data are absent)")
    averages: HealthAverages = Field(description="over the days that have each value")
    notes: list[str]


def _hours(seconds: int | None) -> float | None:
    return round(seconds / 3600.0, 2) if seconds is not None else None


def _mean(values: list[float | None], digits: int) -> float | None:
    present = [v for v in values if v is not None]
    return round(math.fsum(present) / len(present), digits) if present else None


def health_day(row: DailyHealth) -> HealthDay:
    return HealthDay(
        day=row.day,
        sleep_h=_hours(row.sleep_s),
        sleep_score=row.sleep_score,
        deep_sleep_h=_hours(row.deep_sleep_s),
        light_sleep_h=_hours(row.light_sleep_s),
        rem_sleep_h=_hours(row.rem_sleep_s),
        awake_h=_hours(row.awake_s),
        resting_hr=row.resting_hr,
        hrv_ms=round(row.hrv_ms, 1) if row.hrv_ms is not None else None,
        hrv_status=row.hrv_status,
        body_battery_high=row.body_battery_high,
        body_battery_low=row.body_battery_low,
        stress_avg=row.stress_avg,
        steps=row.steps,
        source=row.source,
    )


@tool()
async def daily_health(deps: ToolDeps, args: DailyHealthInput) -> DailyHealthOutput:
    """The athlete's daily health (sleep and its stages, sleep score, overnight HRV, resting heart rate,
    body battery, stress, steps) for a range of days — the last 30 by default, at most a year — with
    averages. Days the watch did not record are absent; say so rather than guessing."""
    notes: list[str] = []
    until = min(args.until or deps.today, deps.today)
    since = args.since or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        since, until = until, since
        notes.append("since was after until; the dates were swapped")
    if (until - since).days + 1 > MAX_DAYS:
        since = until - timedelta(days=MAX_DAYS - 1)
        notes.append(f"range clamped to the last {MAX_DAYS} days")
    rows = await HealthDays(deps.session, deps.user_id).between(since, until)
    days = [health_day(row) for row in rows]
    if not days:
        notes.append("no health data in this range; connect Garmin and sync to get sleep, HRV and resting HR")
    return DailyHealthOutput(
        since=since,
        until=until,
        days=days,
        averages=HealthAverages(
            sleep_h=_mean([d.sleep_h for d in days], 2),
            resting_hr=_mean([float(d.resting_hr) if d.resting_hr is not None else None for d in days], 1),
            hrv_ms=_mean([d.hrv_ms for d in days], 1),
            steps=_mean([float(d.steps) if d.steps is not None else None for d in days], 0),
        ),
        notes=notes,
    )
