"""The other races on the calendar inside a plan: B races get a mini-taper, C races are training. Pure.

The plan aims at one race (the goal, by default the next A race; `generate_plan` refuses to run through an
earlier A race). Races of lower priority between the plan's start and its race day are fitted in:

- **B race** (important, not the goal): a mini-taper. The two days before it carry no hard session (a
  long run or quality session there becomes an easy run of the same distance), the race day's session is
  the race (its distance counts as the week's running, sized as an easy run: the plan's intensity rules
  cannot foresee a race effort, which is why the days around it are easy), and the day after is easy (a
  hard session there becomes an easy run). What that takes from the week goes to its other easy runs, so
  the week keeps its volume.
- **C race** (training): run as the session planned that day; the session is renamed to say so (on a
  day without training, the note says to run it relaxed).

The rules (`rules.check_plan`) are checked on the result; when the fitted plan would break one (a B race
that shrinks a week below what the next recovery or taper week allows, say), the plan is kept as generated
and the race is reported instead, so a stored plan always keeps every rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tools.fitness.vdot import training_paces
from tools.plans.model import PlannedSession, PlanWeek, TrainingPlan
from tools.plans.rules import check_plan
from tools.workouts.model import Workout, WorkoutKind
from tools.workouts.sessions import build_workout

TAPER_DAYS_BEFORE = 2
EASY_DAYS_AFTER = 1


@dataclass(frozen=True, slots=True)
class CalendarRace:
    name: str
    day: date
    priority: str  # "B" or "C" (an A race is the goal)
    distance_m: float | None = None


@dataclass(frozen=True, slots=True)
class Fitted:
    plan: TrainingPlan
    notes: list[str]


def _easy(session: PlannedSession, plan: TrainingPlan, why: str) -> PlannedSession:
    km = max(3.0, round(session.planned_distance_m / 1000.0, 1))
    paces = training_paces(plan.vdot)
    workout = build_workout(WorkoutKind.EASY, paces, distance_km=km, name=f"Easy run ({why})")
    return session.model_copy(update={"workout": workout})


def _race_day(race: CalendarRace, plan: TrainingPlan) -> PlannedSession:
    """The B race as the day's session: its kilometres count as the week's running (the plan's volume
    rules stay true to what is run), sized as an easy run — the plan cannot foresee the effort."""
    name = f"B race: {race.name}"[:200]
    if not race.distance_m:
        workout = Workout(
            kind=WorkoutKind.REST, name=name, description="Race day: the race is today's training."
        )
    else:
        km = round(race.distance_m / 1000.0, 1)
        workout = build_workout(WorkoutKind.EASY, training_paces(plan.vdot), distance_km=km, name=name)
    return PlannedSession(day=race.day, workout=workout)


def _b_race(plan: TrainingPlan, race: CalendarRace) -> TrainingPlan:
    taper = {race.day - timedelta(days=d) for d in range(1, TAPER_DAYS_BEFORE + 1)}
    after = {race.day + timedelta(days=d) for d in range(1, EASY_DAYS_AFTER + 1)}
    weeks = []
    for week in plan.weeks:
        sessions = [] if not week.start <= race.day <= week.end else [_race_day(race, plan)]
        for s in week.sessions:
            if s.day == race.day:
                continue  # the race replaces the day's session
            if s.kind in (WorkoutKind.RACE, WorkoutKind.STRENGTH):
                sessions.append(s)
            elif s.day in taper and s.is_key:
                sessions.append(_easy(s, plan, f"before {race.name}"))
            elif s.day in after and s.is_key:
                sessions.append(_easy(s, plan, f"after {race.name}"))
            else:
                sessions.append(s)
        sessions.sort(key=lambda x: x.day)
        changed = week.model_copy(update={"sessions": sessions})
        if sessions != week.sessions:
            changed = _keep_volume(changed, week.volume_km, plan, taper | after | {race.day})
        weeks.append(changed)
    return plan.model_copy(update={"weeks": weeks})


def _keep_volume(week: PlanWeek, volume_km: float, plan: TrainingPlan, fixed: set[date]) -> PlanWeek:
    """Spread what the mini-taper took from the week over its other easy runs, so the week keeps its
    volume (the ramp and recovery rules compare weeks)."""
    free = [s for s in week.sessions if s.kind is WorkoutKind.EASY and s.day not in fixed]
    deficit = volume_km - week.volume_km
    if deficit <= 0.05 or not free:
        return week
    extra = deficit / len(free)
    bigger = {
        s.day: s.model_copy(
            update={
                "workout": build_workout(
                    WorkoutKind.EASY,
                    training_paces(plan.vdot),
                    distance_km=round(s.planned_distance_m / 1000.0 + extra, 1),
                    name=s.workout.name,
                )
            }
        )
        for s in free
    }
    return week.model_copy(update={"sessions": [bigger.get(s.day, s) for s in week.sessions]})


def _c_race(plan: TrainingPlan, race: CalendarRace) -> TrainingPlan:
    weeks = []
    for week in plan.weeks:
        sessions = [
            s.model_copy(
                update={
                    "workout": s.workout.model_copy(
                        update={"name": f"C race {race.name}, run as: {s.workout.name}"[:200]}
                    )
                }
            )
            if s.day == race.day and s.kind not in (WorkoutKind.REST, WorkoutKind.STRENGTH)
            else s
            for s in week.sessions
        ]
        weeks.append(week.model_copy(update={"sessions": sessions}))
    return plan.model_copy(update={"weeks": weeks})


def fit_races(plan: TrainingPlan, races: list[CalendarRace]) -> Fitted:
    """`plan` with the B and C races inside it fitted in (see the module docstring), and what was done."""
    notes: list[str] = []
    for race in sorted(races, key=lambda r: r.day):
        if not plan.start_date <= race.day < plan.race_date:
            continue
        if race.priority == "C":
            fitted = _c_race(plan, race)
            what = f"C race {race.name} on {race.day}: run as that day's session"
            if not any(s.day == race.day for s in plan.sessions):
                what = f"C race {race.name} on {race.day} is on a day without training: run it relaxed"
        elif race.priority == "B":
            fitted = _b_race(plan, race)
            what = f"B race {race.name} on {race.day}: easy days before and after it (a mini-taper)"
        else:
            continue
        if check_plan(fitted):
            notes.append(
                f"{race.priority} race {race.name} on {race.day} could not be fitted within the plan's "
                "rules: treat it as a hard training day and keep the days around it easy"
            )
            continue
        plan = fitted
        notes.append(what)
    return Fitted(plan, notes)
