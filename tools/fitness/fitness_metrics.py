"""`fitness_metrics`: effective VO2max per run and its trend, and marathon shape — computed from the
athlete's own samples (`tools.fitness.vo2max`, `tools.fitness.marathon_shape`; the method is in the
knowledge corpus: how-runcoach-computes-vo2max-and-marathon-shape.md)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from tools.activities.visibility import hidden_sources
from tools.deps import ToolDeps
from tools.fitness.efforts import recent_fitness
from tools.fitness.marathon_shape import LONG_RUN_DAYS, VOLUME_WEEKS, marathon_shape
from tools.fitness.vdot import MAX_VDOT, MIN_VDOT
from tools.fitness.vo2max import vo2max_trend
from tools.fitness.vo2max_runs import heart_anchors, run_vo2max
from tools.plans.volume import runs_by_day
from tools.registry import tool
from tools.zones.anchors import Anchor, AnchorResolver

MIN_DAYS = 14
MAX_DAYS = 365
DEFAULT_DAYS = 90
FLAT_SLOPE = 0.5  # points per 30 days that count as "stable"


class FitnessMetricsInput(BaseModel):
    days: int = Field(
        default=DEFAULT_DAYS, description=f"days of runs to estimate VO2max from ({MIN_DAYS}–{MAX_DAYS})"
    )


class RunValue(BaseModel):
    activity_id: int
    day: date
    name: str | None
    distance_km: float | None
    vo2max: float = Field(description="effective VO2max, ml/kg/min (on the VDOT scale)")
    steady_min: float = Field(description="minutes of steady, flat running the value comes from")
    segments: int
    spread: float = Field(description="interquartile range of the segment values (scatter within the run)")


class Vo2maxTrend(BaseModel):
    current: float = Field(description="median of the last 5 runs' values")
    slope_per_30d: float | None = Field(description="least-squares change per 30 days (None: too few runs)")
    direction: Literal["rising", "stable", "falling", "unknown"]
    runs: int


class MarathonShapeOut(BaseModel):
    percent: float
    label: Literal["ready", "possible", "not_ready"]
    vdot: float
    vdot_basis: str
    weekly_km: float = Field(description=f"mean running km a week over the last {VOLUME_WEEKS} weeks")
    weekly_target_km: float
    long_run_target_km: float
    long_runs_counted: int = Field(
        description=f"runs of the last {LONG_RUN_DAYS} days that count as long runs"
    )
    volume_score: float
    long_run_score: float


class AnchorOut(BaseModel):
    value: float
    source: str
    detail: str


class FitnessMetricsOutput(BaseModel):
    method: Literal["hrr", "hrmax"] | None = Field(description="heart-rate relation used (None: no estimate)")
    max_hr: AnchorOut | None
    resting_hr: AnchorOut | None
    runs: list[RunValue]
    trend: Vo2maxTrend | None
    marathon_shape: MarathonShapeOut | None
    notes: list[str]


def _anchor(anchor: Anchor | None) -> AnchorOut | None:
    return (
        None if anchor is None else AnchorOut(value=anchor.value, source=anchor.source, detail=anchor.detail)
    )


def _direction(slope: float | None) -> Literal["rising", "stable", "falling", "unknown"]:
    if slope is None:
        return "unknown"
    if abs(slope) < FLAT_SLOPE:
        return "stable"
    return "rising" if slope > 0 else "falling"


async def _shape(deps: ToolDeps, vdot: float, basis: str) -> MarathonShapeOut:
    yesterday = deps.today - timedelta(days=1)
    first = deps.today - timedelta(days=max(LONG_RUN_DAYS, 7 * VOLUME_WEEKS))
    days = await runs_by_day(
        deps.session, deps.user_id, deps.tz, first, yesterday, hide_sources=hidden_sources(deps)
    )
    weekly = [0.0] * VOLUME_WEEKS
    long_window: list[float] = []
    for day, runs in days.items():
        km = [(a.distance_m or 0.0) / 1000.0 for a in runs]
        back = (yesterday - day).days
        if back < 7 * VOLUME_WEEKS:
            weekly[back // 7] += math.fsum(km)
        if back < LONG_RUN_DAYS:
            long_window.extend(km)
    shape = marathon_shape(vdot, weekly, long_window)
    return MarathonShapeOut(
        percent=round(shape.percent, 1),
        label=shape.label,
        vdot=round(vdot, 1),
        vdot_basis=basis,
        weekly_km=round(shape.weekly_km, 1),
        weekly_target_km=round(shape.weekly_target_km, 1),
        long_run_target_km=round(shape.long_run_target_km, 1),
        long_runs_counted=shape.counted_long_runs,
        volume_score=round(shape.volume_score, 3),
        long_run_score=round(shape.long_run_score, 3),
    )


@tool()
async def fitness_metrics(deps: ToolDeps, args: FitnessMetricsInput) -> FitnessMetricsOutput:
    """The athlete's effective VO2max estimated from each run's heart rate and pace over steady, flat
    segments (Daniels' oxygen cost of the pace ÷ the fraction of heart-rate reserve), its trend (points per
    30 days), and marathon shape in % (recent weekly volume and long runs against what their fitness needs
    for a marathon). Values are on the VDOT scale; single runs scatter by a few points, so read the trend."""
    notes: list[str] = []
    days = min(max(args.days, MIN_DAYS), MAX_DAYS)
    if days != args.days:
        notes.append(f"days clamped to {days}")
    resolver = AnchorResolver(deps.session, deps.user, today=deps.today, hide_sources=hidden_sources(deps))
    anchors = await heart_anchors(resolver)
    runs = []
    if anchors is None:
        notes.append(
            "no max heart rate (set it in the profile, add a birth date, or record a hard effort): "
            "VO2max cannot be estimated from heart rate"
        )
    else:
        runs = await run_vo2max(
            deps.session,
            deps.user_id,
            deps.tz,
            deps.today - timedelta(days=days - 1),
            deps.today,
            anchors,
            hide_sources=hidden_sources(deps),
        )
        if anchors.resting_hr is None:
            notes.append("no measured resting heart rate: %HRmax (Swain) used instead of heart-rate reserve")
        if not runs:
            notes.append(
                f"no run of the last {days} days has 5 minutes of steady, flat running with heart rate "
                "after a 10-minute warm-up"
            )
    trend = vo2max_trend([(r.day, r.estimate.vo2max) for r in runs])

    shape: MarathonShapeOut | None = None
    vdot: float | None = None
    basis = ""
    if trend is not None and MIN_VDOT <= trend.current <= MAX_VDOT:
        vdot, basis = trend.current, "effective VO2max (median of the last runs)"
    else:
        effort, _ = await recent_fitness(
            deps.session, deps.user_id, deps.tz, deps.today, hide_sources=hidden_sources(deps)
        )
        if effort is not None and MIN_VDOT <= effort.vdot <= MAX_VDOT:
            vdot, basis = effort.vdot, f"best {effort.distance_m / 1000:g} km effort on {effort.day}"
    if vdot is not None:
        shape = await _shape(deps, vdot, basis)
    else:
        notes.append("no fitness estimate (VO2max or best effort) to size the marathon targets from")

    return FitnessMetricsOutput(
        method=runs[0].estimate.method if runs else None,
        max_hr=_anchor(anchors.max_hr if anchors else None),
        resting_hr=_anchor(anchors.resting_hr if anchors else None),
        runs=[
            RunValue(
                activity_id=r.activity_id,
                day=r.day,
                name=r.name,
                distance_km=round(r.distance_m / 1000.0, 2) if r.distance_m is not None else None,
                vo2max=round(r.estimate.vo2max, 1),
                steady_min=round(r.estimate.steady_s / 60.0, 1),
                segments=r.estimate.segments,
                spread=round(r.estimate.spread, 1),
            )
            for r in runs
        ],
        trend=Vo2maxTrend(
            current=round(trend.current, 1),
            slope_per_30d=round(trend.slope_per_30d, 2) if trend.slope_per_30d is not None else None,
            direction=_direction(trend.slope_per_30d),
            runs=trend.runs,
        )
        if trend is not None
        else None,
        marathon_shape=shape,
        notes=notes,
    )
