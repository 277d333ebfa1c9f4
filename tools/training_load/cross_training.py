"""Strength and cross-training logged by hand: `log_training_session` and `list_logged_sessions`.

A logged session is an `activities` row (source `manual`, the sport given, no samples) whose training load is
session-RPE × duration on the TSS-like scale (`tools.training_load.strength`, load method `srpe`), so it
counts in CTL/ATL/TSB, weekly load and readiness like any activity;
its exercises and sets are `strength_sets` rows.
Deleting one is deleting the activity (`delete_activity`, which needs approval).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal, Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, InvalidInput
from core.models import Activity, StrengthSet
from tools.deps import ToolDeps
from tools.registry import tool
from tools.training_load.repository import LoggedSessions
from tools.training_load.strength import foster_load, session_rpe_from_sets, session_rpe_load

Sport = Literal[
    "strength_training",
    "cycling",
    "swimming",
    "rowing",
    "yoga",
    "hiking",
    "walking",
    "elliptical",
    "cross_country_skiing",
    "other",
]
MANUAL = "manual"
DEFAULT_START = time(18, 0)
MAX_LIST_DAYS = 366


class SetIn(BaseModel):
    reps: int | None = Field(default=None, ge=1, le=500)
    load_kg: float | None = Field(default=None, ge=0, le=1000, description="external load; None = bodyweight")
    rpe: float | None = Field(default=None, ge=0, le=10, description="effort of this set, 0–10")
    duration_s: float | None = Field(default=None, gt=0, le=3600, description="for timed sets (planks…)")

    @model_validator(mode="after")
    def _reps_or_time(self) -> Self:
        if self.reps is None and self.duration_s is None:
            raise ValueError("a set needs reps or duration_s")
        return self


class ExerciseIn(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    sets: list[SetIn] = Field(min_length=1, max_length=30)

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the exercise needs a name")
        return value.strip()


class LogSessionInput(BaseModel):
    sport: Sport = "strength_training"
    day: date | None = Field(default=None, description="local day (default today)")
    start_time: time | None = Field(default=None, description="local start (default now today, else 18:00)")
    duration_min: float = Field(gt=0, le=600, description="whole session, minutes")
    rpe: float | None = Field(
        default=None, ge=0, le=10, description="session RPE, 0–10 (CR-10), rated ~30 min after; whole points"
    )
    exercises: list[ExerciseIn] = Field(default_factory=list, max_length=40)
    name: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=4000)


class ExerciseOut(BaseModel):
    name: str
    sets: int
    reps: int = Field(description="total reps")
    volume_kg: float = Field(description="Σ reps × load")
    top_load_kg: float | None


class LoggedSession(BaseModel):
    activity_id: int
    sport: str
    name: str | None
    start_time: datetime
    duration_min: float
    rpe: float = Field(description="the session RPE the load comes from")
    rpe_source: Literal["session", "mean_of_sets"] | None = Field(description="None: as stored")
    training_load: float = Field(description="TSS-equivalent points (100 ≈ 1 h at threshold)")
    load_method: str
    foster_load_au: float = Field(description="Foster's session load: RPE × minutes")
    exercises: list[ExerciseOut]
    notes: str | None


def _exercises_out(sets: list[StrengthSet]) -> list[ExerciseOut]:
    by_name: dict[str, list[StrengthSet]] = {}
    for row in sorted(sets, key=lambda r: r.position):
        by_name.setdefault(row.exercise, []).append(row)
    return [
        ExerciseOut(
            name=name,
            sets=len(rows),
            reps=sum(r.reps or 0 for r in rows),
            volume_kg=round(sum((r.reps or 0) * (r.load_kg or 0.0) for r in rows), 1),
            top_load_kg=max((r.load_kg for r in rows if r.load_kg is not None), default=None),
        )
        for name, rows in by_name.items()
    ]


def _session_out(
    activity: Activity, sets: list[StrengthSet], rpe: float, source: Literal["session", "mean_of_sets"] | None
) -> LoggedSession:
    minutes = (activity.elapsed_s or 0.0) / 60.0
    return LoggedSession(
        activity_id=activity.id,
        sport=activity.sport,
        name=activity.name,
        start_time=activity.start_time,
        duration_min=round(minutes, 1),
        rpe=round(rpe, 1),
        rpe_source=source,
        training_load=activity.training_load or 0.0,
        load_method=activity.load_method or "",
        foster_load_au=round(foster_load(rpe, minutes), 1),
        exercises=_exercises_out(sets),
        notes=activity.notes,
    )


@tool(side_effect=True)
async def log_training_session(deps: ToolDeps, args: LogSessionInput) -> LoggedSession:
    """Log a strength session or other cross-training (cycling, swimming, yoga…) the athlete did: sport,
    duration in minutes, session RPE 0–10 (how hard the whole session was), and for strength the exercises
    with their sets (reps, load in kg or bodyweight, optional set RPE). It counts in training load by
    session-RPE × duration on the same scale as runs (RPE 3 ≈ easy running, RPE 8 ≈ threshold)."""
    day = args.day or deps.today
    if day > deps.today:
        raise InvalidInput(f"{day} is in the future: log a session after doing it (plans hold future ones).")
    set_rpes = [s.rpe for e in args.exercises for s in e.sets if s.rpe is not None]
    raw, source = (args.rpe, "session") if args.rpe is not None else (session_rpe_from_sets(set_rpes), "sets")
    if raw is None:
        raise InvalidInput(
            "Rate the session: give rpe 0–10 for the whole session (or an rpe on the sets), so its load can "
            "be counted; e.g. 3 = moderate, 5 = hard, 8 = very hard."
        )
    rpe = float(round(raw))  # stored as a whole CR-10 point; the load uses the same value
    local_start = args.start_time or (
        deps.moment.time().replace(microsecond=0) if day == deps.today else DEFAULT_START
    )
    start = datetime.combine(day, local_start, tzinfo=deps.tz)
    if day == deps.today and args.start_time is None:
        start -= timedelta(minutes=args.duration_min)  # "now" is when it ended
    seconds = args.duration_min * 60.0
    activity = Activity(
        user_id=deps.user_id,
        source=MANUAL,
        sport=args.sport,
        name=args.name or ("Strength session" if args.sport == "strength_training" else None),
        start_time=start,
        tz_offset_s=int((start.utcoffset() or timedelta()).total_seconds()),
        elapsed_s=seconds,
        moving_s=seconds,
        rpe=int(rpe),
        notes=args.notes,
        training_load=round(session_rpe_load(rpe, args.duration_min), 1),
        load_method="srpe",
    )
    sets: list[StrengthSet] = []
    try:
        async with deps.session.begin_nested():
            logged = LoggedSessions(deps.session, deps.user_id)
            await logged.add(activity)
            position = 0
            for exercise in args.exercises:
                for s in exercise.sets:
                    sets.append(
                        StrengthSet(
                            activity_id=activity.id,
                            user_id=deps.user_id,
                            position=position,
                            exercise=exercise.name,
                            reps=s.reps,
                            load_kg=s.load_kg,
                            rpe=s.rpe,
                            duration_s=s.duration_s,
                        )
                    )
                    position += 1
            await logged.add_sets(sets)
    except IntegrityError as exc:
        raise Conflict(
            f"Another activity already starts at {start:%Y-%m-%d %H:%M}; give a different start_time."
        ) from exc
    return _session_out(activity, sets, rpe, "session" if source == "session" else "mean_of_sets")


class ListLoggedInput(BaseModel):
    days: int = Field(default=28, description=f"how many days back (1–{MAX_LIST_DAYS})")


class LoggedList(BaseModel):
    sessions: list[LoggedSession]
    total_load: float
    notes: list[str]


@tool()
async def list_logged_sessions(deps: ToolDeps, args: ListLoggedInput) -> LoggedList:
    """The strength and cross-training sessions the athlete logged by hand in the last `days` days (newest
    first), with exercises, sets and the training load each added."""
    days = min(max(args.days, 1), MAX_LIST_DAYS)
    notes = [f"days clamped to {days}"] if days != args.days else []
    since = datetime.combine(deps.today - timedelta(days=days - 1), time(), tzinfo=deps.tz)
    logged = LoggedSessions(deps.session, deps.user_id)
    activities = await logged.since(MANUAL, since)
    sets_by_activity: dict[int, list[StrengthSet]] = {}
    for row in await logged.sets_of([a.id for a in activities]):
        sets_by_activity.setdefault(row.activity_id, []).append(row)
    sessions = []
    for activity in activities:
        sets = sets_by_activity.get(activity.id, [])
        sessions.append(_session_out(activity, sets, float(activity.rpe or 0), None))
    return LoggedList(
        sessions=sessions, total_load=round(sum(s.training_load for s in sessions), 1), notes=notes
    )


async def strength_by_day(
    session: AsyncSession, user_id: int, tz: ZoneInfo, first: date, last: date
) -> dict[date, list[Activity]]:
    """The user's strength activities (logged or imported) on local days [first, last], per day."""
    rows = await LoggedSessions(session, user_id).strength_between(
        datetime.combine(first, time(), tzinfo=tz),
        datetime.combine(last + timedelta(days=1), time(), tzinfo=tz),
    )
    days: dict[date, list[Activity]] = {}
    for activity in rows:
        days.setdefault(activity.start_time.astimezone(tz).date(), []).append(activity)
    return days
