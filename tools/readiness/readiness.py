"""`readiness`: this morning's readiness from daily health against the athlete's own baselines, with the
reasons, plus today's form (TSB) and acute:chronic ratio from the training load."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from tools.activities.visibility import hidden_sources
from tools.deps import ToolDeps
from tools.health.repository import HealthDays
from tools.readiness.science import BASELINE_DAYS, Readiness, ReadinessInputs, score_readiness
from tools.registry import tool
from tools.training_load.training_load import load_state

ACWR_WINDOW = 28


class ComponentOut(BaseModel):
    component: str
    score: float
    weight: float


class ReasonOut(BaseModel):
    component: str
    status: str = Field(description="ok, low or missing")
    text: str


class ReadinessOutput(BaseModel):
    day: date
    score: int | None = Field(description="0–100; None without any data")
    label: str = Field(description="ready, normal, take it easy, rest, unknown")
    components: list[ComponentOut]
    reasons: list[ReasonOut]
    tsb: float | None
    acwr: float | None
    notes: list[str]


async def assess_readiness(
    session: AsyncSession, user_id: int, tz: ZoneInfo, day: date, *, hide_sources: tuple[str, ...] = ()
) -> tuple[Readiness, float | None, float | None, list[str]]:
    """(readiness, TSB, ACWR, notes) for the morning of `day`; the load leaves out activities from
    `hide_sources` (for a model turn)."""
    notes: list[str] = []
    rows = await HealthDays(session, user_id).between(day - timedelta(days=BASELINE_DAYS), day)
    today = next((r for r in rows if r.day == day), None)
    history = [r for r in rows if r.day < day]
    if today is None:
        last = history[-1].day.isoformat() if history else "never"
        notes.append(f"no health data for {day} yet (last: {last}); sync the watch after waking up")
    state = await load_state(session, user_id, tz, day, ACWR_WINDOW, hide_sources=hide_sources)
    tsb, acwr = state.points[-1].tsb, state.acwr[-1]
    inputs = ReadinessInputs(
        sleep_score=float(today.sleep_score) if today and today.sleep_score is not None else None,
        sleep_duration_h=today.sleep_s / 3600.0 if today and today.sleep_s is not None else None,
        hrv_rmssd_ms=today.hrv_ms if today else None,
        hrv_history_ms=[r.hrv_ms for r in history if r.hrv_ms is not None],
        resting_hr=float(today.resting_hr) if today and today.resting_hr is not None else None,
        resting_hr_history=[float(r.resting_hr) for r in history if r.resting_hr is not None],
        tsb=tsb,
        acwr=acwr,
    )
    return score_readiness(inputs), tsb, acwr, notes


class ReadinessInput(BaseModel):
    day: date | None = Field(default=None, description="default today")


@tool()
async def readiness(deps: ToolDeps, args: ReadinessInput) -> ReadinessOutput:
    """Today's readiness to train (0–100 and a label: ready, normal, take it easy, rest) from last night's
    sleep, HRV and resting heart rate against the athlete's own 60-day baselines, and from training load
    (form/TSB and acute:chronic ratio), with a reason for every component — including what data is missing."""
    day = min(args.day or deps.today, deps.today)
    result, tsb, acwr, notes = await assess_readiness(
        deps.session, deps.user_id, deps.tz, day, hide_sources=hidden_sources(deps)
    )
    return ReadinessOutput(
        day=day,
        score=result.score,
        label=result.label,
        components=[
            ComponentOut(component=c.component, score=round(c.score, 1), weight=c.weight)
            for c in result.components
        ],
        reasons=[ReasonOut(component=r.component, status=r.status, text=r.text) for r in result.reasons],
        tsb=round(tsb, 1) if tsb is not None else None,
        acwr=round(acwr, 2) if acwr is not None else None,
        notes=notes,
    )
