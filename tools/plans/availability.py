"""When the athlete can train: per weekday open or not and the longest session it allows, plus blackout dates.

Pure. `Availability` is what the week layout (`weeks.build_week`) reads: a run day that falls on a closed
day moves to the nearest open day of the week (a key session only where no key session is beside it) or,
when none is free, is dropped and the week's easy volume is shared over the runs left — the week's load is
redistributed, not lost, as far as each day's limit and the plan's rules allow. `availability_violations`
lists the sessions of a plan that break the athlete's availability (empty: every session fits).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from tools.plans.model import PlannedSession, TrainingPlan
from tools.workouts.model import WorkoutKind

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TOLERANCE_S = 60.0


@dataclass(frozen=True, slots=True)
class Availability:
    """`max_s[weekday]`: 0 = no training that weekday, None = no limit, else the longest session in
    seconds (Monday = 0). `blackouts`: dates with no training at all."""

    max_s: tuple[float | None, ...] = (None,) * 7
    blackouts: frozenset[date] = field(default_factory=frozenset)

    def limit_s(self, day: date) -> float | None:
        """The longest session `day` allows: 0 when it is closed, None when there is no limit."""
        if day in self.blackouts:
            return 0.0
        return self.max_s[day.weekday()]

    def is_open(self, day: date) -> bool:
        limit = self.limit_s(day)
        return limit is None or limit > 0

    @property
    def unlimited(self) -> bool:
        return not self.blackouts and all(m is None for m in self.max_s)


OPEN = Availability()


@dataclass(frozen=True, slots=True)
class AvailabilityViolation:
    day: date
    message: str


def availability_violations(plan: TrainingPlan, availability: Availability) -> list[AvailabilityViolation]:
    """Sessions on closed days, and sessions longer than their day allows (the race is the race's day)."""
    return conflicts(plan.sessions, availability)


def conflicts(sessions: Sequence[PlannedSession], availability: Availability) -> list[AvailabilityViolation]:
    found: list[AvailabilityViolation] = []
    for session in sessions:
        if session.kind in (WorkoutKind.RACE, WorkoutKind.REST):
            continue
        limit = availability.limit_s(session.day)
        if limit is None:
            continue
        if limit <= 0:
            found.append(AvailabilityViolation(session.day, f"{session.workout.name} on a day off"))
        elif session.planned_duration_s > limit + TOLERANCE_S:
            found.append(
                AvailabilityViolation(
                    session.day,
                    f"{session.workout.name} takes {session.planned_duration_s / 60:.0f} min; "
                    f"{WEEKDAYS[session.day.weekday()]} allows {limit / 60:.0f}",
                )
            )
    return found


def without_blocked(plan: TrainingPlan, availability: Availability) -> TrainingPlan:
    """`plan` without the sessions that break `availability` and add no running volume (strength work
    placed after the layout); running sessions are laid out around it already (`weeks.build_week`)."""
    if availability.unlimited:
        return plan
    weeks = [
        w.model_copy(
            update={
                "sessions": [
                    s
                    for s in w.sessions
                    if s.kind is not WorkoutKind.STRENGTH or not conflicts([s], availability)
                ]
            }
        )
        for w in plan.weeks
    ]
    return plan.model_copy(update={"weeks": weeks})
