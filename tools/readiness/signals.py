"""Last night's signals beside the athlete's own baselines, for saying *why* today's session should change.

Each signal is this morning's value and the mean of the previous `BASELINE_NIGHTS` nights that have one:
sleep duration, sleep score, overnight HRV (rMSSD) and resting heart rate. A signal is `worse` when it is
on the bad side of its baseline by more than its margin (sleep 30 min shorter, a sleep score 5 points
lower, HRV 10 % lower, resting HR 3 bpm higher): those are the ones a proposal names. The readiness score
itself (`science.score_readiness`) is what decides; these figures explain it in the athlete's units.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import DailyHealth
from tools.health.repository import HealthDays

BASELINE_NIGHTS = 28
SignalName = Literal["sleep", "sleep score", "HRV", "resting HR"]


class Signal(BaseModel):
    name: SignalName
    today: float
    baseline: float | None
    nights: int
    unit: str
    worse: bool
    text: str


#: name, how to read it from a row, unit, margin, and whether higher is better
_SPECS: tuple[tuple[SignalName, str, str, float, bool], ...] = (
    ("sleep", "sleep_h", "h", 0.5, True),
    ("sleep score", "sleep_score", "/100", 5.0, True),
    ("HRV", "hrv_ms", "ms", 0.10, True),
    ("resting HR", "resting_hr", "bpm", 3.0, False),
)


def _value(row: DailyHealth, field: str) -> float | None:
    if field == "sleep_h":
        return row.sleep_s / 3600.0 if row.sleep_s is not None else None
    raw = getattr(row, field)
    return float(raw) if raw is not None else None


def _figure(value: float, unit: str) -> str:
    if unit == "h":
        return f"{value:.1f} h"
    if unit == "/100":
        return f"{value:.0f}/100"
    return f"{value:.0f} {unit}"


def compare(today: DailyHealth, history: Sequence[DailyHealth]) -> list[Signal]:
    """This morning's signals against the mean of the earlier nights (pure: rows in, signals out)."""
    out: list[Signal] = []
    for name, field, unit, margin, higher_is_better in _SPECS:
        value = _value(today, field)
        if value is None:
            continue
        past = [v for v in (_value(r, field) for r in history) if v is not None]
        baseline = statistics.fmean(past) if past else None
        worse = False
        if baseline is not None:
            gap = margin * baseline if name == "HRV" else margin
            worse = value < baseline - gap if higher_is_better else value > baseline + gap
        text = f"{name} {_figure(value, unit)}"
        if baseline is not None:
            text += f" vs your {len(past)}-night baseline {_figure(baseline, unit)}"
        out.append(
            Signal(
                name=name,
                today=round(value, 1),
                baseline=round(baseline, 1) if baseline is not None else None,
                nights=len(past),
                unit=unit,
                worse=worse,
                text=text,
            )
        )
    return out


async def health_signals(session: AsyncSession, user_id: int, day: date) -> list[Signal]:
    """The user's signals for the morning of `day` (empty without health data that day)."""
    rows = await HealthDays(session, user_id).between(day - timedelta(days=BASELINE_NIGHTS), day)
    today = next((r for r in rows if r.day == day), None)
    return compare(today, [r for r in rows if r.day < day]) if today is not None else []
