"""The training-plan data model: weeks of dated sessions, each a structured workout.

Distances and durations of a session are derived from its workout (`workout.summarize`), never stored
beside it, so they cannot disagree. A week's *training volume* excludes the race itself (a marathon in
race week is not "training volume"); `normalized_volume_km` scales a partial first week to 7 days so
that weeks of different lengths compare.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, computed_field

from tools.workouts.model import Workout, WorkoutKind, WorkoutSummary, summarize

KEY_KINDS = frozenset(
    {
        WorkoutKind.LONG,
        WorkoutKind.TEMPO,
        WorkoutKind.INTERVALS,
        WorkoutKind.HILLS,
        WorkoutKind.RACE_PACE,
        WorkoutKind.RACE,
    }
)


class Phase(StrEnum):
    LEAD_IN = "lead_in"
    BASE = "base"
    BUILD = "build"
    PEAK = "peak"
    TAPER = "taper"


PHASE_ORDER = (Phase.LEAD_IN, Phase.BASE, Phase.BUILD, Phase.PEAK, Phase.TAPER)


class PlannedSession(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")  # computed fields come back on re-validation

    day: date
    workout: Workout

    _summary: tuple[Workout, WorkoutSummary] | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        # The fields only: the summary cache is not part of a session's value.
        if not isinstance(other, PlannedSession):
            return NotImplemented
        return self.day == other.day and self.workout == other.workout

    __hash__ = None  # type: ignore[assignment]  # a workout holds lists, so sessions were never hashable

    @property
    def summary(self) -> WorkoutSummary:
        """The workout's summary, cached with the workout it belongs to (a copy with another workout
        recomputes it). Read through `__pydantic_private__`: `self._summary` goes through pydantic's
        `__getattr__`, which costs more than the summary in the plan checks' loops."""
        private = self.__pydantic_private__ if self.__pydantic_private__ is not None else {}
        cached = private.get("_summary")
        if cached is None or cached[0] is not self.workout:
            cached = (self.workout, summarize(self.workout))
            self._summary = cached
        return cached[1]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def kind(self) -> WorkoutKind:
        return self.workout.kind

    @computed_field  # type: ignore[prop-decorator]
    @property
    def is_key(self) -> bool:
        """Long runs, quality sessions and the race: the days that need an easy day on either side."""
        return self.workout.kind in KEY_KINDS

    @computed_field  # type: ignore[prop-decorator]
    @property
    def planned_distance_m(self) -> float:
        return self.summary.distance_m

    @computed_field  # type: ignore[prop-decorator]
    @property
    def planned_duration_s(self) -> float:
        return self.summary.duration_s


class PlanWeek(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")  # computed fields come back on re-validation

    index: int = Field(ge=0)
    start: date
    end: date
    phase: Phase
    is_recovery: bool = False
    sessions: list[PlannedSession] = Field(default_factory=list)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def training_sessions(self) -> list[PlannedSession]:
        """The running sessions: not the race, and not strength work (which adds no running volume)."""
        return [s for s in self.sessions if s.kind not in (WorkoutKind.RACE, WorkoutKind.STRENGTH)]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def volume_km(self) -> float:
        return sum(s.planned_distance_m for s in self.training_sessions) / 1000.0

    @property
    def normalized_volume_km(self) -> float:
        return self.volume_km * 7.0 / self.days

    @property
    def duration_s(self) -> float:
        return sum(s.planned_duration_s for s in self.training_sessions)

    @property
    def intense_s(self) -> float:
        return sum(s.summary.intense_s for s in self.training_sessions)

    @property
    def long_runs(self) -> list[PlannedSession]:
        return [s for s in self.sessions if s.kind is WorkoutKind.LONG]


class TrainingPlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")  # computed fields come back on re-validation

    race_date: date
    race_distance_m: float = Field(gt=0)
    start_date: date
    vdot: float = Field(gt=0, description="VDOT the training paces come from")
    race_pace_s_per_km: float = Field(gt=0)
    goal_time_s: float | None = None
    days_per_week: int = Field(ge=3, le=7)
    long_run_weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    current_weekly_km: float = Field(gt=0)
    max_weekly_km: float = Field(gt=0)
    weeks: list[PlanWeek]

    @property
    def sessions(self) -> list[PlannedSession]:
        return [session for week in self.weeks for session in week.sessions]
