"""What a calendar note does to a plan: pure, a plan and a note in, the re-flowed plan and its changes out.

Only open sessions from `today` on are touched (`locked` days — done, missed, the past — never are), and
never the race. By kind:

- illness: every session on the note's days becomes rest; then a return ramp over the following days,
  each run made easy at a share of its planned distance. The ramp has `days + severity − 2` days
  (2–9: a 3-day moderate illness ramps over 3 days), its shares spread over the anchors 30 %, 50 %, 75 %
  (3 ramp days give exactly those). The rest of a week that held illness or ramp days has no intensity.
- injury (a niggle too): on the note's days no intensity and reduced volume — 80 % (mild), 60 %
  (moderate) of each run, made easy; severe: cross-training instead of running.
- travel: sessions on travel days move to the nearest free day of the same week that the athlete's
  availability allows (a key session only where it has no key session beside it); one that finds no day is
  dropped (rest).
- life stress: quality sessions on the note's days become easy runs of the same distance; severe stress
  also trims every run by 20 %.
- other: no change.

Then every touched week is settled: a long run too large for the week's new volume shrinks to fit (or,
when that would leave less than 60 % of it, becomes an easy run at 75 % of it), and quality gives way to
easy running while more than 25 % of the week is above easy. A loading week that lost more than 15 % of
its volume (and ends 15 % below the week before) is a recovery week now, so the weeks after ramp from the
last real loading week; the recovery cycle restarts from it (a planned recovery week after it becomes a
loading week, sized as the week it replaces, within the 10 % ramp).

If the weeks after still break a rule (a ramp from a lighter week, a taper from a lower peak), they are
re-flowed from the next week on (`tools.plans.reflow`, on the days the athlete's availability leaves open)
and the note is applied again to the re-flowed days (a ramp day takes its share of the smaller of the
planned and the re-flowed run), so `check_plan` holds on the result; what cannot be fixed is returned in
`violations`, never hidden.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from tools.fitness.vdot import TrainingPaces, training_paces
from tools.plans.availability import OPEN, Availability, conflicts
from tools.plans.model import PlannedSession, PlanWeek, TrainingPlan
from tools.plans.periodize import RECOVERY_EVERY
from tools.plans.reflow import Reflowed, reflow_plan
from tools.plans.rules import (
    INTENSE_SHARE_LIMIT,
    LONG_RUN_SHARE_LIMIT,
    LOW_VOLUME_LONG_RUN_KM,
    LOW_VOLUME_LONG_RUN_SHARE,
    RECOVERY_MAX_FRACTION,
    RuleViolation,
    check_plan,
    is_loading,
    long_run_limit_km,
)
from tools.plans.weeks import EASY_MAX_S
from tools.workouts.model import Workout, WorkoutKind
from tools.workouts.sessions import build_workout

RAMP_ANCHORS = (0.30, 0.50, 0.75)
MIN_RAMP_DAYS, MAX_RAMP_DAYS = 2, 9
INJURY_SHARE = {1: 0.8, 2: 0.6}
STRESS_SEVERE_SHARE = 0.8
MIN_RUN_KM = 2.0
LONG_RUN_KEEP = 0.6
FIXED_KINDS = (WorkoutKind.RACE, WorkoutKind.REST)
REST_DAY = Workout(kind=WorkoutKind.REST, name="Rest", description="No session planned.")
QUALITY_KINDS = (WorkoutKind.TEMPO, WorkoutKind.INTERVALS, WorkoutKind.HILLS, WorkoutKind.RACE_PACE)


@dataclass(frozen=True, slots=True)
class Note:
    kind: str
    start: date
    end: date
    severity: int = 2

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class Change:
    """One session the note changes: `day` → `new_day` (a move), `before` → `after` (the workout)."""

    day: date
    new_day: date
    before: Workout
    after: Workout
    reason: str
    reflowed: bool = False


@dataclass(frozen=True, slots=True)
class NoteReflow:
    plan: TrainingPlan
    changes: list[Change]
    reflowed_weeks: list[int] = field(default_factory=list)
    violations: list[RuleViolation] = field(default_factory=list)


def ramp_shares(note: Note) -> list[float]:
    """The share of planned load on each day after an illness (see the module docstring)."""
    days = min(MAX_RAMP_DAYS, max(MIN_RAMP_DAYS, note.days + note.severity - 2))
    last = len(RAMP_ANCHORS) - 1
    shares = []
    for k in range(days):
        position = k * last / (days - 1)
        low = min(int(position), last - 1)
        frac = position - low
        shares.append(round(RAMP_ANCHORS[low] + frac * (RAMP_ANCHORS[low + 1] - RAMP_ANCHORS[low]), 3))
    return shares


def _floor_tenth(km: float) -> float:
    return math.floor(km * 10.0 + 1e-6) / 10.0


def rest(name: str, description: str) -> Workout:
    return Workout(kind=WorkoutKind.REST, name=name, description=description)


def easy(paces: TrainingPaces, km: float, name: str) -> Workout:
    return build_workout(WorkoutKind.EASY, paces, distance_km=km, name=name)


def _km(session: PlannedSession) -> float:
    return session.planned_distance_m / 1000.0


def _scaled(
    paces: TrainingPaces, session: PlannedSession, share: float, label: str, planned_km: float | None = None
) -> Workout:
    """An easy run of `share` of the session (or of `planned_km`, when the plan first had less that day)."""
    base = _km(session) if planned_km is None else min(_km(session), planned_km)
    km = _floor_tenth(base * share)
    if km < MIN_RUN_KM:
        return rest(f"Rest ({label})", f"Rest: {label}; {share:.0%} of the planned run is too short to run.")
    return easy(paces, km, f"Easy {km:g} km ({label}, {share:.0%})")


class _Editor:
    """The plan's sessions by day, edited in place, with the list of changes."""

    def __init__(
        self, plan: TrainingPlan, today: date, locked: set[date], availability: Availability = OPEN
    ) -> None:
        self.plan = plan
        self.availability = availability
        self.paces = training_paces(plan.vdot)
        self.today = today
        self.locked = locked
        self.by_day = {s.day: s for s in plan.sessions}
        self.original = dict(self.by_day)
        #: the plan as first given (before a re-flow): a ramp is a share of the smaller of the two
        self.first: dict[date, PlannedSession] = {}
        self.moved_from: dict[date, date] = {}
        self.reasons: dict[date, str] = {}
        self.touched_weeks: set[int] = set()

    def editable(self, day: date) -> PlannedSession | None:
        session = self.by_day.get(day)
        if session is None or day < self.today or day in self.locked or session.kind in FIXED_KINDS:
            return None
        return session

    def week_of(self, day: date) -> PlanWeek | None:
        return next((w for w in self.plan.weeks if w.start <= day <= w.end), None)

    def set(self, day: date, workout: Workout, reason: str) -> None:
        self.by_day[day] = PlannedSession(day=day, workout=workout)
        self.reasons[day] = reason
        week = self.week_of(day)
        if week is not None:
            self.touched_weeks.add(week.index)

    def move(self, day: date, to: date, reason: str) -> None:
        session = self.by_day.pop(day)
        self.by_day[to] = PlannedSession(day=to, workout=session.workout)
        self.moved_from[to] = self.moved_from.pop(day, day)
        self.reasons[to] = reason
        week = self.week_of(day)
        if week is not None:
            self.touched_weeks.add(week.index)

    def result(self) -> tuple[TrainingPlan, list[Change]]:
        """The edited plan and the changes. A touched loading week that lost more than 15 % of its volume
        (and 15 % below the week before) is a recovery week now."""
        weeks: list[PlanWeek] = []
        for w in self.plan.weeks:
            sessions = sorted(
                (s for d, s in self.by_day.items() if w.start <= d <= w.end), key=lambda s: s.day
            )
            week = w.model_copy(update={"sessions": sessions})
            previous = weeks[-1].normalized_volume_km if weeks else math.inf
            lighter = week.volume_km < RECOVERY_MAX_FRACTION * min(w.volume_km, previous) - 1e-6
            if w.index in self.touched_weeks and is_loading(w) and lighter:
                week = week.model_copy(update={"is_recovery": True})
            weeks.append(week)
        weeks = _restart_cadence(weeks, self.plan.weeks, self.today)
        changes = []
        for day, session in sorted(self.by_day.items()):
            source = self.moved_from.get(day, day)
            before = self.original.get(source)
            if before is None or (source == day and before.workout == session.workout):
                continue
            changes.append(Change(source, day, before.workout, session.workout, self.reasons.get(day, "")))
        return self.plan.model_copy(update={"weeks": weeks}), changes


def _restart_cadence(weeks: list[PlanWeek], planned: list[PlanWeek], today: date) -> list[PlanWeek]:
    """After a loading week that became a recovery week, the recovery cycle starts again from it: every 4th
    full week before the taper is a recovery week (not the last one before the taper: the one before it),
    as the generator lays them out — else a planned recovery week right after would have to be 15 % below
    the illness week."""
    flagged = [
        k for k, (w, p) in enumerate(zip(weeks, planned, strict=True)) if w.is_recovery and not p.is_recovery
    ]
    if not flagged:
        return weeks
    after = [
        k for k in range(flagged[-1] + 1, len(weeks)) if is_loading(planned[k]) or planned[k].is_recovery
    ]
    after = [k for k in after if weeks[k].start > today and weeks[k].days == 7]
    flags = [(n + 1) % RECOVERY_EVERY == 0 for n in range(len(after))]
    if len(flags) >= RECOVERY_EVERY and flags[-1]:
        flags[-1], flags[-2] = False, True
    out = list(weeks)
    for k, flag in zip(after, flags, strict=True):
        out[k] = out[k].model_copy(update={"is_recovery": flag})
    return out


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def _illness(editor: _Editor, note: Note) -> None:
    for day in _days(note.start, note.end):
        if editor.editable(day) is not None:
            editor.set(day, rest("Rest day (ill)", "Rest: no training while ill."), "illness: rest")
    for k, share in enumerate(ramp_shares(note)):
        day = note.end + timedelta(days=k + 1)
        session = editor.editable(day)
        if session is None or session.kind is WorkoutKind.STRENGTH:
            continue
        first = editor.first.get(day)
        planned_km = _km(first) if first is not None and first.kind not in FIXED_KINDS else None
        workout = _scaled(editor.paces, session, share, "return from illness", planned_km)
        editor.set(day, workout, "illness: return ramp")
    _calm_touched_weeks(editor, "illness")


def _calm_touched_weeks(editor: _Editor, label: str) -> None:
    """No intensity in the rest of a week that held illness or injury days."""
    for week in editor.plan.weeks:
        if week.index not in editor.touched_weeks:
            continue
        for day in _days(week.start, week.end):
            session = editor.editable(day)
            if session is not None and session.kind in QUALITY_KINDS and day not in editor.reasons:
                km = _floor_tenth(_km(session))
                editor.set(
                    day,
                    easy(editor.paces, km, f"Easy {km:g} km (no intensity: {label})"),
                    f"{label}: no intensity this week",
                )


def _injury(editor: _Editor, note: Note) -> None:
    for day in _days(note.start, note.end):
        session = editor.editable(day)
        if session is None or session.kind is WorkoutKind.STRENGTH:
            continue
        if note.severity >= 3:
            minutes = round(session.planned_duration_s / 60.0)
            workout = rest(
                "Cross-training (injury)",
                f"No running: {minutes} min of easy cross-training (bike, swim, elliptical) if pain-free.",
            )
            editor.set(day, workout, "injury: cross-training instead of running")
        else:
            share = INJURY_SHARE[note.severity]
            editor.set(day, _scaled(editor.paces, session, share, "injury"), "injury: easy, reduced")
    _calm_touched_weeks(editor, "injury")


def _travel(editor: _Editor, note: Note) -> None:
    travel = set(_days(note.start, note.end))
    for day in sorted(travel):
        session = editor.editable(day)
        if session is None:
            continue
        week = editor.week_of(day)
        if week is None:
            continue
        free = [
            d
            for d in _days(
                max(week.start, editor.today), min(week.end, editor.plan.race_date - timedelta(days=1))
            )
            if d not in travel
            and d not in editor.by_day
            and d not in editor.locked
            and not conflicts([session.model_copy(update={"day": d})], editor.availability)
        ]
        if session.is_key:
            keys = {d for d, s in editor.by_day.items() if s.is_key and d != day}
            free = [
                d for d in free if d - timedelta(days=1) not in keys and d + timedelta(days=1) not in keys
            ]
        if free:
            editor.move(
                day, min(free, key=lambda d: (abs((d - day).days), d)), "travel: moved off travel days"
            )
        else:
            editor.set(
                day, rest("Rest (travelling)", "Dropped: no free day this week."), "travel: no free day"
            )


def _life_stress(editor: _Editor, note: Note) -> None:
    for day in _days(note.start, note.end):
        session = editor.editable(day)
        if session is None or session.kind is WorkoutKind.STRENGTH:
            continue
        share = STRESS_SEVERE_SHARE if note.severity >= 3 else 1.0
        if session.kind in QUALITY_KINDS or share < 1.0:
            km = _floor_tenth(_km(session) * share)
            editor.set(day, easy(editor.paces, km, f"Easy {km:g} km (life stress)"), "life stress: easier")


def _settle(editor: _Editor, plan: TrainingPlan) -> None:
    """Fit the long run of each touched week to its new volume, and the week's intensity under 25 %."""
    for week in plan.weeks:
        if week.index not in editor.touched_weeks:
            continue
        runs = [s for s in week.training_sessions]
        long_run = next((s for s in week.long_runs if editor.editable(s.day) is not None), None)
        if long_run is not None:
            others = [s for s in runs if s is not long_run]
            other_km = sum(_km(s) for s in others)
            long_km = _km(long_run)
            if long_km > long_run_limit_km(long_km + other_km) + 1e-6:
                share_cap = LONG_RUN_SHARE_LIMIT / (1 - LONG_RUN_SHARE_LIMIT) * other_km
                low_cap = min(
                    LOW_VOLUME_LONG_RUN_SHARE / (1 - LOW_VOLUME_LONG_RUN_SHARE) * other_km,
                    LOW_VOLUME_LONG_RUN_KM,
                )
                km = _floor_tenth(min(long_km, max(share_cap, low_cap)) - 0.05)
                longest_other = max((_km(s) for s in others), default=0.0)
                if km >= max(longest_other, LONG_RUN_KEEP * long_km):
                    workout = build_workout(
                        WorkoutKind.LONG, editor.paces, distance_km=km, name=f"Long {km:g} km (shortened)"
                    )
                else:  # too small a week for a long run: an easy run at the ramp's last share instead
                    km = _floor_tenth(
                        min(RAMP_ANCHORS[-1] * long_km, EASY_MAX_S / editor.paces.easy_mid_s_per_km)
                    )
                    workout = easy(editor.paces, km, f"Easy {km:g} km (instead of the long run)")
                reason = "long run shortened to fit the lighter week"
                if workout.kind is WorkoutKind.EASY:
                    reason = "a lighter week holds no long run: an easy run instead"
                editor.set(long_run.day, workout, reason)
        intense = sum(s.summary.intense_s for s in runs)
        duration = sum(s.planned_duration_s for s in runs)
        if duration > 0 and intense / duration > INTENSE_SHARE_LIMIT:
            for s in runs:
                if s.kind in QUALITY_KINDS and editor.editable(s.day) is not None:
                    km = _floor_tenth(_km(s))
                    editor.set(
                        s.day,
                        easy(editor.paces, km, f"Easy {km:g} km (lighter week)"),
                        "no intensity in a lighter week",
                    )


def _edit(
    plan: TrainingPlan,
    note: Note,
    today: date,
    locked: set[date],
    availability: Availability,
    first: TrainingPlan | None = None,
) -> _Editor:
    editor = _Editor(plan, today, locked, availability)
    editor.first = {s.day: s for s in (first or plan).sessions}
    EFFECTS[note.kind](editor, note)
    edited, _ = editor.result()
    _settle(editor, edited)
    return editor


def _replace_weeks(plan: TrainingPlan, source: TrainingPlan, up_to: int) -> TrainingPlan:
    """`plan` with the weeks indexed ≤ `up_to` taken from `source`."""
    weeks = [source.weeks[k] if w.index <= up_to else w for k, w in enumerate(plan.weeks)]
    return plan.model_copy(update={"weeks": weeks})


def _swap_caps(planned: TrainingPlan, edited: TrainingPlan) -> dict[int, float]:
    """For each planned recovery week that is a loading week now (the cycle restarted at the illness), the
    volume of the last loading week planned before it: it takes that week's place, not a recovery size."""
    caps: dict[int, float] = {}
    last_loading: float | None = None
    for before, after in zip(planned.weeks, edited.weeks, strict=True):
        if before.is_recovery and not after.is_recovery and last_loading is not None:
            caps[before.index] = last_loading
        if is_loading(before):
            last_loading = before.volume_km
    return caps


def _week_after(plan: TrainingPlan, index: int) -> PlanWeek | None:
    return next((w for w in plan.weeks if w.index > index), None)


def _reflow_from(day: date, edited: TrainingPlan, plan: TrainingPlan, availability: Availability) -> Reflowed:
    """`edited` re-laid out from `day` on, ramping from the note's lighter weeks (no recent-volume cap); a
    planned recovery week that is a loading week now gets the loading volume before it (`_swap_caps`)."""
    return reflow_plan(
        edited, from_day=day, recent_km=math.inf, availability=availability, caps=_swap_caps(plan, edited)
    )


def reflow_for_note(
    plan: TrainingPlan, note: Note, *, today: date, locked: set[date], availability: Availability = OPEN
) -> NoteReflow:
    """The plan after the note (see the module docstring); `plan` is the plan as it will be run. Re-flowed
    weeks are laid out on the days `availability` leaves open."""
    if note.kind not in EFFECTS:
        return NoteReflow(plan, [])
    editor = _edit(plan, note, today, locked, availability)
    if not editor.touched_weeks:
        return NoteReflow(plan, [])
    edited, changes = editor.result()
    violations = check_plan(edited)
    reflowed: set[int] = set()
    first = min(editor.touched_weeks)
    after_first = _week_after(edited, first)
    if violations and after_first is not None:
        # The weeks after the first touched one ramp from its lighter volume; the note's days in them
        # (a return ramp that runs on) are applied again to the re-laid-out sessions.
        result = _reflow_from(after_first.start, edited, plan, availability)
        reflowed |= set(result.changed_weeks)
        editor = _edit(_replace_weeks(result.plan, plan, first), note, today, locked, availability, plan)
        edited, changes = editor.result()
        violations = check_plan(edited)
        last = max(editor.touched_weeks)
        after_last = _week_after(edited, last)
        if violations and last > first and after_last is not None:
            result = _reflow_from(after_last.start, edited, plan, availability)
            reflowed |= set(result.changed_weeks)
            edited, violations = result.plan, result.violations
    week_of = {s.day: w.index for w in plan.weeks for s in w.sessions}
    before = {s.day: s.workout for s in plan.sessions}
    shown = [c for c in changes if week_of.get(c.day) not in reflowed]
    for week in edited.weeks:  # the note's own days inside re-flowed weeks (a ramp that runs on)
        if week.index in reflowed:
            shown.extend(
                Change(s.day, s.day, before.get(s.day, REST_DAY), s.workout, editor.reasons[s.day], True)
                for s in week.sessions
                if s.day in editor.reasons and before.get(s.day) != s.workout
            )
    return NoteReflow(edited, sorted(shown, key=lambda c: c.new_day), sorted(reflowed), violations)


EFFECTS = {"illness": _illness, "injury": _injury, "travel": _travel, "life_stress": _life_stress}
