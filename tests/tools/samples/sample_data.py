"""Hand-built activities with chosen per-second samples, stored through the product's `store_activity`.

`create_run` takes the per-second series the test wants (heart rate, speed, altitude…) and derives the
cumulative distance from the speed, so a test can recompute any aggregate in Python from the same rows.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity, User
from tools.activities.store import NewActivity, store_activity


@dataclass(frozen=True)
class Run:
    activity: Activity
    ts: list[datetime]
    heart_rate: list[int | None]
    speed_mps: list[float | None]
    altitude_m: list[float | None]
    distance_m: list[float | None]
    cadence: list[float | None]


async def create_run(
    session: AsyncSession,
    user: User,
    start: datetime,
    *,
    heart_rate: Sequence[int | None],
    speed_mps: Sequence[float | None],
    altitude_m: Sequence[float | None] | None = None,
    cadence: Sequence[float | None] | None = None,
    sport: str = "running",
    step_s: int = 1,
    **fields: Any,
) -> Run:
    n = len(heart_rate)
    assert len(speed_mps) == n
    ts = [start + timedelta(seconds=step_s * i) for i in range(n)]
    distance: list[float | None] = []
    total = 0.0
    for v in speed_mps:
        total += (v or 0.0) * step_s
        distance.append(round(total, 2))
    altitude: list[float | None] = list(altitude_m) if altitude_m is not None else [None] * n
    cad: list[float | None] = list(cadence) if cadence is not None else [None] * n
    new = NewActivity(
        fields={
            "source": "test",
            "sport": sport,
            "start_time": start,
            "elapsed_s": float(n * step_s),
            "moving_s": float(n * step_s),
            "distance_m": total,
            **fields,
        },
        samples={
            "ts": ts,
            "heart_rate": list(heart_rate),
            "speed_mps": list(speed_mps),
            "altitude_m": altitude,
            "distance_m": distance,
            "cadence": cad,
        },
    )
    activity = await store_activity(session, user.id, new)
    return Run(activity, ts, list(heart_rate), list(speed_mps), altitude, distance, cad)


def varied_run_series(seconds: int, seed: int) -> dict[str, list[Any]]:
    """Plausible, irregular series: HR 110–185 with gaps, speed 0–5 m/s with stops, rolling hills."""
    rng = random.Random(seed)
    hr: list[int | None] = []
    speed: list[float | None] = []
    altitude: list[float | None] = []
    cadence: list[float | None] = []
    for i in range(seconds):
        hr.append(None if rng.random() < 0.03 else int(110 + 60 * (i / seconds) + rng.randint(-8, 15)))
        stop = 200 <= i % 900 < 215
        speed.append(None if rng.random() < 0.02 else (0.0 if stop else round(rng.uniform(2.2, 4.8), 3)))
        altitude.append(round(50 + 20 * math.sin(i / 120.0) + rng.uniform(-0.3, 0.3), 1))
        cadence.append(round(150 + rng.uniform(0, 30), 1))
    return {"heart_rate": hr, "speed_mps": speed, "altitude_m": altitude, "cadence": cadence}
