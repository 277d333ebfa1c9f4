"""Strength and cross-training: their training load from session RPE, and strength days in a plan.

Load. Foster's session-RPE method (Foster et al. 2001; shown for resistance training by Day et al. 2004):
the athlete rates the whole session on the CR-10 scale about 30 minutes after it, and
`session load = RPE × minutes` (arbitrary units). RunCoach puts that on its TSS-like scale (100 ≈ one hour
at threshold, see `tools/training_load/activity.py`) through an intensity factor per RPE,

    points = hours × IF(RPE)² × 100

with IF: 0 → 0, 1 → 0.50, 2 → 0.60, 3 → 0.70, 4 → 0.75, 5 → 0.80, 6 → 0.85, 7 → 0.90, 8 → 1.00, 9 → 1.05,
10 → 1.10, linear in between. The anchors: RPE 3 ("moderate") is the easy intensity the duration-only
method already assumes (IF 0.70, 49 points an hour), and RPE 8 is an hour-long all-out effort, the
definition of threshold (100 points). So an hour of RPE-6 circuit training scores 72, like an hour of steady
running, and 45 minutes of RPE-4 yoga 42. Without a session rating, the mean of the sets' RPE stands in.
Limits: one number cannot tell the local muscle damage of heavy eccentric work from cardiovascular strain;
the mapping is a convention (TrainingPeaks-style RPE→TSS tables are similar), not a measurement.

Plan placement (`add_strength_sessions`). Strength sessions go on days without a running session (a plan
keeps at most one session a day), never on the day before a key session (long run, quality, race), never
on consecutive days, none in the last 7 days before the race and at most one in other taper weeks. They are
not running: they add no distance, are not key sessions, and the plan's volume and 80/20 rules count
running only, so every plan rule holds exactly as without them. A week without a suitable day gets fewer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from core.errors import TrainingInputError
from tools.plans.model import Phase, PlannedSession, PlanWeek, TrainingPlan
from tools.workouts.model import EndByLapButton, Intensity, Step, StepType, Workout, WorkoutKind

INTENSITY_BY_RPE = (0.0, 0.50, 0.60, 0.70, 0.75, 0.80, 0.85, 0.90, 1.00, 1.05, 1.10)
MAX_MINUTES = 600.0
MAX_PER_WEEK = 3
STRENGTH_MINUTES = 30.0
RACE_WEEK_DAYS = 7


def _check_rpe(rpe: float) -> None:
    if not math.isfinite(rpe) or not 0.0 <= rpe <= 10.0:
        raise TrainingInputError(f"RPE is on the 0–10 (CR-10) scale, got {rpe}")


def intensity_factor(rpe: float) -> float:
    """IF for a session RPE (CR-10), linear between the whole-number anchors of the module docstring."""
    _check_rpe(rpe)
    low = min(int(rpe), 9)
    return INTENSITY_BY_RPE[low] + (INTENSITY_BY_RPE[low + 1] - INTENSITY_BY_RPE[low]) * (rpe - low)


def foster_load(rpe: float, minutes: float) -> float:
    """Foster's session load in arbitrary units: RPE × minutes."""
    _check_rpe(rpe)
    _check_minutes(minutes)
    return rpe * minutes


def _check_minutes(minutes: float) -> None:
    if not math.isfinite(minutes) or not 0.0 < minutes <= MAX_MINUTES:
        raise TrainingInputError(
            f"a session lasts more than 0 and at most {MAX_MINUTES:g} minutes, got {minutes}"
        )


def session_rpe_load(rpe: float, minutes: float) -> float:
    """Load on the TSS-like scale: hours × IF(RPE)² × 100."""
    _check_minutes(minutes)
    return minutes / 60.0 * intensity_factor(rpe) ** 2 * 100.0


def session_rpe_from_sets(set_rpes: Sequence[float]) -> float | None:
    """The mean of the sets' RPE (a stand-in when the session was not rated as a whole), or None."""
    for rpe in set_rpes:
        _check_rpe(rpe)
    return math.fsum(set_rpes) / len(set_rpes) if set_rpes else None


def strength_workout(minutes: float = STRENGTH_MINUTES) -> Workout:
    """The planned strength session: one timed block of runner's strength work (no distance)."""
    return Workout(
        kind=WorkoutKind.STRENGTH,
        name="Strength for runners",
        description=(
            "Squats or split squats, single-leg Romanian deadlifts, calf raises (straight and bent knee), "
            "hip thrusts, side planks: 2–3 sets of 6–12 controlled reps, stopping 2–3 reps short of failure."
        ),
        blocks=[
            Step(
                step_type=StepType.ACTIVE,
                end=EndByLapButton(),
                estimated_s=minutes * 60.0,
                intensity=Intensity.EASY,
                notes="strength circuit",
            )
        ],
    )


def _candidate_days(week: PlanWeek, plan: TrainingPlan) -> list[PlannedSession]:
    taken = {s.day for s in week.sessions}
    key_days = {s.day for s in plan.sessions if s.is_key}
    last_allowed = plan.race_date - timedelta(days=RACE_WEEK_DAYS)
    chosen: list[PlannedSession] = []
    day = week.start
    while day <= week.end:
        free = day not in taken and day + timedelta(days=1) not in key_days and day <= last_allowed
        apart = all(abs((day - s.day).days) > 1 for s in chosen)
        if free and apart:
            chosen.append(PlannedSession(day=day, workout=strength_workout()))
        day += timedelta(days=1)
    return chosen


def add_strength_sessions(
    plan: TrainingPlan, per_week: int, *, weeks: set[int] | None = None
) -> TrainingPlan:
    """`plan` with up to `per_week` strength sessions in each week (or only in the weeks indexed in `weeks`),
    placed as the module docstring says. `per_week` 0 returns the plan unchanged."""
    if not 0 <= per_week <= MAX_PER_WEEK:
        raise TrainingInputError(f"strength sessions per week must be 0–{MAX_PER_WEEK}, got {per_week}")
    if per_week == 0:
        return plan
    new_weeks = []
    for week in plan.weeks:
        if weeks is not None and week.index not in weeks:
            new_weeks.append(week)
            continue
        wanted = min(per_week, 1) if week.phase is Phase.TAPER else per_week
        # spread: take candidates evenly through the week rather than the first ones
        candidates = _candidate_days(week, plan)
        if len(candidates) > wanted:
            step = len(candidates) / wanted
            candidates = [candidates[int(k * step)] for k in range(wanted)]
        sessions = sorted([*week.sessions, *candidates], key=lambda s: s.day)
        new_weeks.append(week.model_copy(update={"sessions": sessions}))
    return plan.model_copy(update={"weeks": new_weeks})
