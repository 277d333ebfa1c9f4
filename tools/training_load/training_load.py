"""`training_load`: the athlete's daily load with fitness (CTL), fatigue (ATL), form (TSB), the
acute:chronic ratio, monotony and strain — the pure `tools.training_load.science` functions over stored loads.

Daily loads are the sum of `activities.training_load` (top-level activities; multisport legs are part of
their parent) per *local* day in the athlete's time zone. Weekly points also carry the week's running distance
over the same local days (see `daily_run_km`). The series starts at the athlete's first
activity (at most ten years back) with CTL = ATL = 0, so a window's first values are not those of an
athlete who starts from nothing; rest days are zeros. Activities still without a load (imported before
loads existed) are measured first, a bounded number per call.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import User
from tools.activities.visibility import hidden_sources
from tools.deps import ToolDeps
from tools.registry import tool
from tools.training_load.activity import backfill_loads
from tools.training_load.repository import Loads
from tools.training_load.science import (
    FitnessPoint,
    acute_chronic_ratios,
    daily_loads,
    fitness_fatigue,
    monotony,
    strain,
)

MIN_DAYS = 7
DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366
MAX_HISTORY_DAYS = 3653
AUTO_DAILY_UP_TO = 120
BACKFILL_PER_CALL = 30
SCALE = "TSS-equivalent points: 100 ≈ one hour at threshold (see load_method per activity)"


def _day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


@dataclass(frozen=True, slots=True)
class LoadState:
    """The whole computed history up to `end` (oldest first) and the ACWR of each day."""

    points: list[FitnessPoint]
    acwr: list[float | None]
    acwr_ewma: list[float | None]

    def last(self, days: int) -> list[FitnessPoint]:
        return self.points[-days:]

    def week_loads(self, end_index: int) -> list[float] | None:
        """The 7 daily loads ending at `end_index` (inclusive), or None if the history is shorter."""
        if end_index < 6:
            return None
        return [p.load for p in self.points[end_index - 6 : end_index + 1]]


async def daily_load_rows(
    session: AsyncSession,
    user_id: int,
    tz: ZoneInfo,
    first: date,
    end: date,
    *,
    hide_sources: tuple[str, ...] = (),
) -> list[tuple[date, float]]:
    """(local day, summed load) of the user's top-level activities on [first, end] (without activities
    from `hide_sources`: for a model turn, `tools.activities.visibility`)."""
    return await Loads(session, user_id).per_day(
        tz, _day_start(first, tz), _day_start(end + timedelta(days=1), tz), hide_sources=hide_sources
    )


async def daily_run_km(
    session: AsyncSession,
    user_id: int,
    tz: ZoneInfo,
    first: date,
    end: date,
    *,
    hide_sources: tuple[str, ...] = (),
) -> dict[date, float]:
    """Kilometres run per local day on [first, end], in one query.

    Counted: the user's activities of sport `running` — top-level runs, and the running legs of a
    multisport activity (on its local day, as its load is). The legs of an activity that is itself a run
    (one run saved as several sessions) are not counted again: the parent already sums them.
    """
    metres = await Loads(session, user_id).run_metres_per_day(
        tz, _day_start(first, tz), _day_start(end + timedelta(days=1), tz), hide_sources=hide_sources
    )
    return {day: m / 1000 for day, m in metres.items()}


async def load_state(
    session: AsyncSession,
    user_id: int,
    tz: ZoneInfo,
    end: date,
    window_days: int,
    *,
    hide_sources: tuple[str, ...] = (),
) -> LoadState:
    """CTL/ATL/TSB and ACWR for every day from the first activity (or the window start) to `end`."""
    first = end - timedelta(days=MAX_HISTORY_DAYS)
    rows = await daily_load_rows(session, user_id, tz, first, end, hide_sources=hide_sources)
    window_start = end - timedelta(days=window_days - 1)
    start = min([window_start, *(day for day, _ in rows)])
    series = daily_loads(rows, start=start, end=end)
    loads = [entry.load for entry in series]
    return LoadState(
        points=fitness_fatigue(series),
        acwr=acute_chronic_ratios(loads, "rolling"),
        acwr_ewma=acute_chronic_ratios(loads, "ewma"),
    )


class TrainingLoadInput(BaseModel):
    days: int = Field(default=DEFAULT_DAYS, description=f"days of history to return ({MIN_DAYS}–{MAX_DAYS})")
    end_date: date | None = Field(default=None, description="last day (default today)")
    acwr_method: Literal["rolling", "ewma"] = Field(
        default="rolling", description="acute:chronic ratio as 7/28-day means (rolling) or EWMA"
    )
    resolution: Literal["auto", "day", "week"] = Field(
        default="auto", description="series points per day or per week (auto: daily up to 120 days)"
    )


class DayPoint(BaseModel):
    day: date
    load: float
    ctl: float
    atl: float
    tsb: float
    acwr: float | None


class WeekPoint(BaseModel):
    week_start: date
    load: float = Field(description="the week's total load")
    ctl: float = Field(description="at the week's last day")
    atl: float
    tsb: float
    acwr: float | None
    monotony: float | None = Field(description="Foster: mean / SD of the 7 daily loads (complete weeks)")
    strain: float | None
    distance_km: float = Field(
        description="km run this week (sport running, multisport running legs included), same days as load"
    )


class LoadToday(BaseModel):
    day: date
    load: float = Field(description="load of this day")
    ctl: float = Field(description="fitness, 42-day EWA")
    atl: float = Field(description="fatigue, 7-day EWA")
    tsb: float = Field(description="form = yesterday's CTL − ATL")
    acwr: float | None = Field(description="acute:chronic ratio, 7/28-day means (None < 28 days of data)")
    acwr_ewma: float | None
    monotony_7d: float | None
    strain_7d: float | None
    load_7d: float
    ctl_change_7d: float | None = Field(description="ramp: CTL now minus 7 days ago")


class TrainingLoadOutput(BaseModel):
    scale: str
    today: LoadToday
    daily: list[DayPoint] | None = None
    weekly: list[WeekPoint] | None = None
    activities_by_method: dict[str, int] = Field(description="how the window's activity loads were measured")
    notes: list[str]


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)


def _today(state: LoadState) -> LoadToday:
    k = len(state.points) - 1
    point = state.points[k]
    week = state.week_loads(k)
    return LoadToday(
        day=point.day,
        load=round(point.load, 1),
        ctl=round(point.ctl, 1),
        atl=round(point.atl, 1),
        tsb=round(point.tsb, 1),
        acwr=_r(state.acwr[k], 2),
        acwr_ewma=_r(state.acwr_ewma[k], 2),
        monotony_7d=_r(monotony(week), 2) if week else None,
        strain_7d=_r(strain(week)) if week else None,
        load_7d=round(math.fsum(week or [p.load for p in state.points]), 1),
        ctl_change_7d=_r(point.ctl - state.points[k - 7].ctl) if k >= 7 else None,
    )


def _weekly(
    state: LoadState, window: int, ratios: list[float | None], run_km: dict[date, float]
) -> list[WeekPoint]:
    offset = len(state.points) - window
    weeks: list[WeekPoint] = []
    k = offset
    while k < len(state.points):
        start_day = state.points[k].day
        end = min(k + 6 - start_day.weekday(), len(state.points) - 1)
        days = state.points[k : end + 1]
        complete = len(days) == 7
        loads = [p.load for p in days]
        weeks.append(
            WeekPoint(
                week_start=start_day - timedelta(days=start_day.weekday()),
                load=round(math.fsum(loads), 1),
                ctl=round(days[-1].ctl, 1),
                atl=round(days[-1].atl, 1),
                tsb=round(days[-1].tsb, 1),
                acwr=_r(ratios[end], 2),
                monotony=_r(monotony(loads), 2) if complete else None,
                strain=_r(strain(loads)) if complete else None,
                distance_km=round(math.fsum(run_km.get(p.day, 0.0) for p in days), 2),
            )
        )
        k = end + 1
    return weeks


@tool()
async def training_load(deps: ToolDeps, args: TrainingLoadInput) -> TrainingLoadOutput:
    """The athlete's training load: today's fitness (CTL), fatigue (ATL), form (TSB), acute:chronic
    workload ratio, 7-day monotony and strain, and a daily or weekly series over the last `days`. Loads are
    TSS-equivalent points (100 ≈ one hour at threshold) measured per activity from heart rate (TRIMP),
    else pace (rTSS), else duration; `activities_by_method` says which."""
    notes: list[str] = []
    days = min(max(args.days, MIN_DAYS), MAX_DAYS)
    if days != args.days:
        notes.append(f"days clamped to {days}")
    end = args.end_date or deps.today
    if end > deps.today:
        end = deps.today
        notes.append("end_date is in the future; the series ends today")
    window_start = end - timedelta(days=days - 1)
    computed, missing = await backfill_loads(
        deps.session,
        deps.user,
        since=_day_start(end - timedelta(days=MAX_HISTORY_DAYS), deps.tz),
        limit=BACKFILL_PER_CALL,
    )
    if computed:
        notes.append(f"measured the load of {computed} activities that had none")
    if missing:
        notes.append(f"{missing} older activities still have no load; ask again to measure more")

    hidden = hidden_sources(deps)
    state = await load_state(deps.session, deps.user_id, deps.tz, end, days, hide_sources=hidden)
    ratios = state.acwr if args.acwr_method == "rolling" else state.acwr_ewma
    resolution = args.resolution
    if resolution == "auto":
        resolution = "day" if days <= AUTO_DAILY_UP_TO else "week"
    output = TrainingLoadOutput(
        scale=SCALE,
        today=_today(state),
        activities_by_method=await _methods(deps.session, deps.user, deps.tz, window_start, end, hidden),
        notes=notes,
    )
    if resolution == "day":
        offset = len(state.points) - days
        output.daily = [
            DayPoint(
                day=p.day,
                load=round(p.load, 1),
                ctl=round(p.ctl, 1),
                atl=round(p.atl, 1),
                tsb=round(p.tsb, 1),
                acwr=_r(ratios[offset + i], 2),
            )
            for i, p in enumerate(state.last(days))
        ]
    else:
        run_km = await daily_run_km(
            deps.session, deps.user_id, deps.tz, window_start, end, hide_sources=hidden
        )
        output.weekly = _weekly(state, days, ratios, run_km)
    if output.activities_by_method.get("duration"):
        notes.append(
            "activities measured by duration only have no heart rate or pace: their load is a rough guess"
        )
    return output


async def _methods(
    session: AsyncSession, user: User, tz: ZoneInfo, first: date, end: date, hide_sources: tuple[str, ...]
) -> dict[str, int]:
    rows = await Loads(session, user.id).methods(
        _day_start(first, tz), _day_start(end + timedelta(days=1), tz), hide_sources=hide_sources
    )
    counts: Counter[str] = Counter()
    for method, count in rows:
        counts[method or "none"] += count
    return dict(counts)
