"""An activity's per-second samples, reduced for charts and the route map.

`downsample` is pure: the samples (seconds since the start, one list per column) are cut into at most
`max_points` consecutive buckets of (nearly) equal sample counts. Each bucket becomes one point: its mean
time; the mean of each quantity over the samples that have it (heart rate, speed, altitude, cadence,
power); the furthest distance reached (distance is cumulative); and the position of the recorded sample
nearest the bucket's middle, so the map line passes through real GPS points. Pace comes from the bucket's
mean speed (None below a walking crawl, where pace means nothing). Bucket means keep every sample's weight,
so an interval's average heart rate is the same on the chart as in the data.

`activity_chart` reads one of the user's activities (with its multisport legs) and downsamples it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from tools.activities.repository import Activities
from tools.samples.series import Span, activity_series

MEANED = ("heart_rate", "speed_mps", "altitude_m", "cadence", "power_w")
COLUMNS = (*MEANED, "distance_m", "lat", "lon")
MIN_POINTS = 2
MAX_POINTS = 5000
DEFAULT_POINTS = 500
MIN_PACE_SPEED_MPS = 0.5


class ChartPoint(BaseModel):
    t_s: float = Field(description="seconds since the activity started (bucket mean)")
    distance_m: float | None = None
    heart_rate: float | None = None
    speed_mps: float | None = None
    pace_s_per_km: float | None = None
    altitude_m: float | None = None
    cadence: float | None = None
    power_w: float | None = None
    lat: float | None = None
    lon: float | None = None


class ActivityChart(BaseModel):
    activity_id: int
    sample_count: int = Field(description="stored samples the points summarise")
    points: list[ChartPoint]
    has: list[str] = Field(description="the columns that have at least one value")


def _mean(values: Sequence[Any]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return math.fsum(present) / len(present) if present else None


def _position(lat: Sequence[Any], lon: Sequence[Any], lo: int, hi: int) -> tuple[float | None, float | None]:
    middle = (lo + hi - 1) / 2
    best: int | None = None
    for i in range(lo, hi):
        if (
            lat[i] is not None
            and lon[i] is not None
            and (best is None or abs(i - middle) < abs(best - middle))
        ):
            best = i
    return (float(lat[best]), float(lon[best])) if best is not None else (None, None)


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def downsample(t: Sequence[float], columns: Mapping[str, Sequence[Any]], max_points: int) -> list[ChartPoint]:
    """At most `max_points` points summarising the samples (`t` ascending; columns as long as `t`)."""
    n = len(t)
    if n == 0:
        return []
    buckets = max(1, min(max_points, n))
    empty: Sequence[Any] = [None] * n
    col = {name: columns.get(name) or empty for name in COLUMNS}
    points: list[ChartPoint] = []
    for b in range(buckets):
        lo, hi = b * n // buckets, (b + 1) * n // buckets
        means = {name: _mean(col[name][lo:hi]) for name in MEANED}
        distances = [float(d) for d in col["distance_m"][lo:hi] if d is not None]
        lat, lon = _position(col["lat"], col["lon"], lo, hi)
        speed = means["speed_mps"]
        points.append(
            ChartPoint(
                t_s=round(math.fsum(t[lo:hi]) / (hi - lo), 1),
                distance_m=round(max(distances), 1) if distances else None,
                heart_rate=_round(means["heart_rate"], 1),
                speed_mps=_round(speed, 3),
                pace_s_per_km=round(1000.0 / speed, 1) if speed and speed >= MIN_PACE_SPEED_MPS else None,
                altitude_m=_round(means["altitude_m"], 1),
                cadence=_round(means["cadence"], 1),
                power_w=_round(means["power_w"], 1),
                lat=lat,
                lon=lon,
            )
        )
    return points


async def activity_chart(
    session: AsyncSession, user_id: int, activity_id: int, max_points: int = DEFAULT_POINTS
) -> ActivityChart:
    """The user's activity (legs included, in time order) as at most `max_points` chart points."""
    activities = Activities(session, user_id)
    activity = await activities.get(activity_id)
    rows = await activities.with_legs(activity.id)
    spans = [Span(id=r.id, start_time=r.start_time, elapsed_s=r.elapsed_s) for r in rows]
    series = await activity_series(session, user_id, spans, COLUMNS)
    merged = sorted(
        ((ts, {name: s[name][i] for name in COLUMNS}) for s in series.values() for i, ts in enumerate(s.t)),
        key=lambda pair: pair[0],
    )
    origin = activity.start_time.timestamp()
    t = [ts - origin for ts, _ in merged]
    columns = {name: [values[name] for _, values in merged] for name in COLUMNS}
    points = downsample(t, columns, min(max(max_points, MIN_POINTS), MAX_POINTS))
    has = [name for name in COLUMNS if any(v is not None for v in columns[name])]
    if "speed_mps" in has:
        has.append("pace_s_per_km")
    return ActivityChart(activity_id=activity.id, sample_count=len(t), points=points, has=has)
