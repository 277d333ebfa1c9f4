"""Laying out one week of a plan: which days run, what each session is, and how big.

Run days, by offset from the long-run weekday (0 = long run): 3 runs {0,2,4}; 4: {0,2,4,5};
5: {0,1,2,4,5}; 6: {0,…,5}; 7: every day. Quality sessions go on offsets 2 and 4, so the key days
(0, 2, 4) are never adjacent, across week boundaries too. Quality sessions per week: base 1 (hills), build
and peak 2 (1 with 3 runs), taper 1 (race pace), recovery weeks none; every full week ends its last easy
run with strides. Race week drops key sessions in the 2 days before the race, has no long run, and
keeps the day before the race to a 25-minute shakeout.

Sizes, for a week's target volume:
- quality work is capped by Daniels' limits (T ≤ 10 % of the week and ≤ 60 min, I ≤ 8 % and ≤ 10 km,
  hills ≤ 5 % and ≤ 12 reps, M ≤ 20 % and ≤ 110 min; half of that in race week) and by a budget of 20 %
  of the week's running time above easy. In build and peak weeks a kind too small to be worth doing at
  this volume (two reps, ten minutes) gives way to tempo, then hills. A week that still ends above 20 %
  has its quality scaled down.
- the long run is the largest that stays ≤ 95 % of the long-run limit for the week's *actual* volume,
  ≤ 150 min, ≤ a race-specific cap (16/20/25/32 km for 5K/10K/half/marathon) — and is the week's longest
  run: easy runs and quality sessions are capped at its size. When the non-quality volume cannot be split
  that way (3 runs above ~34 km), the week's volume is lowered until it can.
- easy runs share what is left: at least 3 km (fewer runs when volume is low — days_per_week is the most
  days used, not a promise) and at most 90 minutes each; distances are rounded down to 0.1 km, so a week
  never ends above its target.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import date, timedelta

from tools.fitness.vdot import MARATHON_M, TrainingPaces
from tools.plans.availability import OPEN, Availability
from tools.plans.model import Phase, PlannedSession
from tools.plans.rules import (
    INTENSE_SHARE_TARGET,
    LONG_RUN_MAX_S,
    LONG_RUN_SHARE_LIMIT,
    long_run_limit_km,
)
from tools.workouts.model import WorkoutKind, summarize
from tools.workouts.sessions import build_workout, interval_rep_m, race_pace_rep_m

LONG_RUN_CAP_KM: tuple[tuple[float, float], ...] = (
    (5_000.0, 16.0),
    (10_000.0, 20.0),
    (21_097.5, 25.0),
    (MARATHON_M, 32.0),
)
RUN_OFFSETS: dict[int, tuple[int, ...]] = {
    3: (0, 2, 4),
    4: (0, 2, 4, 5),
    5: (0, 1, 2, 4, 5),
    6: (0, 1, 2, 3, 4, 5),
    7: (0, 1, 2, 3, 4, 5, 6),
}
QUALITY_OFFSETS = (2, 4)
LONG_RUN_FILL = 0.95
MIN_EASY_KM = 3.0
EASY_MAX_S = 90 * 60
SHAKEOUT_MAX_S = 25 * 60
MAX_SCALINGS = 8
LAYOUT_ROUNDS = 10
MARATHON_PACE_MAX_MIN = 110.0
RACE_WEEK_QUALITY = 0.5
STRIDES = True  # the last easy run of every full week ends with strides (the day before a race too)


@dataclass(frozen=True, slots=True)
class Athlete:
    """What a week's layout needs to know about the athlete and the race."""

    paces: TrainingPaces
    race_pace: float
    race_distance_m: float
    race_date: date
    days_per_week: int
    long_run_weekday: int
    availability: Availability = OPEN


def _long_run_cap_km(distance_m: float) -> float:
    return next(cap for limit, cap in LONG_RUN_CAP_KM if distance_m <= limit)


def _quality_kinds(phase: Phase, distance_m: float) -> tuple[WorkoutKind, ...]:
    tempo, intervals, race_pace = WorkoutKind.TEMPO, WorkoutKind.INTERVALS, WorkoutKind.RACE_PACE
    if phase is Phase.BASE:
        return (WorkoutKind.HILLS,)
    if phase is Phase.TAPER:
        return (race_pace,)
    if distance_m <= 10_000.0:
        return (intervals, tempo) if phase is Phase.BUILD else (intervals, race_pace)
    if distance_m <= 21_097.5:
        return (tempo, intervals) if phase is Phase.BUILD else (race_pace, tempo)
    return (tempo, race_pace)


def _quality_cap_km(kind: WorkoutKind, volume_km: float, athlete: Athlete) -> float:
    """Daniels' per-session limits as a share of the week's volume."""
    if kind is WorkoutKind.TEMPO:
        return 0.10 * volume_km
    if kind is WorkoutKind.INTERVALS:
        return min(0.08 * volume_km, 10.0)
    if kind is WorkoutKind.HILLS:
        return 0.05 * volume_km
    if athlete.race_pace >= athlete.paces.marathon_s_per_km * 0.99:
        return 0.20 * volume_km  # marathon pace
    if athlete.race_pace >= athlete.paces.threshold_s_per_km:
        return 0.10 * volume_km  # half-marathon pace, close to T
    return min(0.08 * volume_km, 10.0)  # 5K/10K pace, close to I


def _quality_pace(kind: WorkoutKind, athlete: Athlete) -> float:
    paces = athlete.paces
    return {
        WorkoutKind.TEMPO: paces.threshold_s_per_km,
        WorkoutKind.INTERVALS: paces.interval_s_per_km,
        WorkoutKind.HILLS: paces.interval_s_per_km * 1.15,
    }.get(kind, athlete.race_pace)


def _minimum_minutes(kind: WorkoutKind, athlete: Athlete) -> float:
    """The least work worth a session: two reps, four hills, or ten minutes of continuous running."""
    if kind is WorkoutKind.INTERVALS:
        return 2 * interval_rep_m(athlete.paces) / 1000.0 * athlete.paces.interval_s_per_km / 60.0
    if kind is WorkoutKind.HILLS:
        return 4.0
    if kind is WorkoutKind.RACE_PACE and athlete.race_pace < athlete.paces.threshold_s_per_km * 0.99:
        return 2 * race_pace_rep_m(athlete.race_pace) / 1000.0 * athlete.race_pace / 60.0
    return 10.0


def _maximum_minutes(kind: WorkoutKind) -> float:
    """Caps on one session whatever the volume: 12 hill reps, 60 min of T, 110 min at M (Daniels)."""
    return {WorkoutKind.HILLS: 12.0, WorkoutKind.TEMPO: 60.0}.get(kind, MARATHON_PACE_MAX_MIN)


def _offset(day: date, athlete: Athlete) -> int:
    return (day.weekday() - athlete.long_run_weekday) % 7


def _session(
    day: date,
    kind: WorkoutKind,
    athlete: Athlete,
    *,
    distance_km: float | None = None,
    quality_minutes: float | None = None,
    warmup_s: float = 900.0,
    cooldown_s: float = 600.0,
) -> PlannedSession:
    workout = build_workout(
        kind,
        athlete.paces,
        distance_km=distance_km,
        quality_minutes=quality_minutes,
        race_pace_s_per_km=athlete.race_pace,
        race_distance_m=athlete.race_distance_m,
        warmup_s=warmup_s,
        cooldown_s=cooldown_s,
    )
    return PlannedSession(day=day, workout=workout)


def _easy_km_cap(day: date, athlete: Athlete) -> float:
    seconds = SHAKEOUT_MAX_S if (athlete.race_date - day).days == 1 else EASY_MAX_S
    return seconds / athlete.paces.easy_mid_s_per_km


def _day_km_cap(day: date, athlete: Athlete) -> float:
    """The most an easy-paced run can cover in the time the athlete has that day."""
    limit = athlete.availability.limit_s(day)
    return math.inf if limit is None else limit / athlete.paces.easy_slow_s_per_km


def water_fill(total_km: float, caps: list[float]) -> list[float]:
    """Share `total_km` as evenly as the caps allow: what a capped day cannot take goes to the others."""
    shares = [0.0] * len(caps)
    left = total_km
    order = sorted(range(len(caps)), key=lambda k: caps[k])
    for n, k in enumerate(order):
        shares[k] = min(caps[k], left / (len(caps) - n))
        left -= shares[k]
    return shares


@functools.lru_cache(maxsize=64)
def _strides_extra_km(paces: TrainingPaces) -> float:
    """Distance the strides add to an easy run."""
    strides = summarize(build_workout(WorkoutKind.STRIDES, paces, distance_km=1.0))
    return strides.distance_m / 1000.0 - 1.0


def _floor_tenth(km: float) -> float:
    """Round down to 0.1 km (a hair of tolerance so 6.4 stays 6.4 despite binary floating point)."""
    return math.floor(km * 10.0 + 1e-6) / 10.0


def _fill_easy(
    days: list[date], total_km: float, athlete: Athlete, strides: bool, cap_km: float = math.inf
) -> list[PlannedSession]:
    """Share `total_km` over `days` (dropping days until each run is ≥ 3 km), each run ≤ `cap_km` and ≤ 90
    min (25 min the day before the race); distances rounded down to 0.1 km."""
    days = list(days)
    while days and total_km / len(days) < MIN_EASY_KM:
        days.pop()
    sessions = []
    extra = _strides_extra_km(athlete.paces) if strides else 0.0
    caps = [min(_easy_km_cap(day, athlete), cap_km) for day in days]
    shares = [min(total_km / len(days), cap) for cap in caps]
    limits = [_day_km_cap(day, athlete) for day in days]
    if any(limit < share for limit, share in zip(limits, shares, strict=True)):
        # a day the athlete has less time: its share goes to the other days, as far as their caps allow
        room = [min(c, m) if m >= MIN_EASY_KM else 0.0 for c, m in zip(caps, limits, strict=True)]
        shares = water_fill(total_km, room)
    for k, day in enumerate(days):
        km = _floor_tenth(shares[k])
        if km < MIN_EASY_KM:
            continue
        if strides and k == len(days) - 1 and km - extra >= MIN_EASY_KM:
            sessions.append(_session(day, WorkoutKind.STRIDES, athlete, distance_km=km - extra))
        else:
            sessions.append(_session(day, WorkoutKind.EASY, athlete, distance_km=km))
    return sessions


def week_capacity_km(runs: int) -> float:
    """Largest weekly volume `runs` sessions can hold when none may exceed the long run and the long run
    stays within LONG_RUN_FILL of its limit: `runs` × fill × limit(V) ≥ V. Unbounded from 4 runs."""
    if runs * LONG_RUN_FILL * LONG_RUN_SHARE_LIMIT >= 1.0:
        return math.inf
    low, high = 0.0, 1_000.0
    for _ in range(60):
        middle = (low + high) / 2.0
        if runs * LONG_RUN_FILL * long_run_limit_km(middle) >= middle:
            low = middle
        else:
            high = middle
    return low


def _fit_long_run(target_km: float, rest_km: float) -> float:
    """Largest long run ≤ target with long ≤ LONG_RUN_FILL × limit(long + rest).

    Bisection: long − LONG_RUN_FILL × limit(long + rest) increases with long because the limit's slope
    is at most 0.40.
    """
    low, high = 0.0, max(0.0, target_km)
    if high <= LONG_RUN_FILL * long_run_limit_km(high + rest_km):
        return high
    for _ in range(50):
        middle = (low + high) / 2.0
        if middle <= LONG_RUN_FILL * long_run_limit_km(middle + rest_km):
            low = middle
        else:
            high = middle
    return low


@dataclass(frozen=True, slots=True)
class _Week:
    """What is fixed about a week before its sessions are sized."""

    phase: Phase
    is_recovery: bool
    target_km: float
    run_days: list[date]
    long_day: date | None
    quality: list[tuple[date, WorkoutKind]]
    race_week: bool


def _quality_sessions(week: _Week, athlete: Athlete, scale: float, cap_km: float) -> list[PlannedSession]:
    """Quality sessions within Daniels' caps and `scale` × the weekly budget. In build and peak weeks a
    kind too small to be worth doing at this volume gives way to tempo, then hills (never in the taper);
    a session larger than `cap_km` (the long run) is left out.
    """
    finish = 1 if _marathon_finish(week, athlete) else 0
    budget_min = INTENSE_SHARE_TARGET * week.target_km * athlete.paces.easy_mid_s_per_km / 60.0
    share_min = scale * budget_min / max(len(week.quality) + finish, 1)
    warmup_s, cooldown_s = (900.0, 600.0) if week.target_km >= 30 else (600.0, 300.0)
    race_week = RACE_WEEK_QUALITY if week.race_week else 1.0
    sessions = []
    planned = {kind for _, kind in week.quality}
    for day, preferred in week.quality:
        fallbacks = [
            k
            for k in (WorkoutKind.TEMPO, WorkoutKind.HILLS)
            if k not in planned and week.phase in (Phase.BUILD, Phase.PEAK)
        ]
        for kind in [preferred, *fallbacks]:
            limit_km = _quality_cap_km(kind, week.target_km, athlete) * race_week
            minutes = min(share_min, limit_km * _quality_pace(kind, athlete) / 60.0, _maximum_minutes(kind))
            if minutes < _minimum_minutes(kind, athlete):
                continue
            session = _session(
                day, kind, athlete, quality_minutes=minutes, warmup_s=warmup_s, cooldown_s=cooldown_s
            )
            day_limit = athlete.availability.limit_s(day)
            if day_limit is not None and session.planned_duration_s > day_limit:
                # shorten the work (not the warm-up) to the time the athlete has that day
                fixed_s = warmup_s + cooldown_s
                minutes *= max(0.0, day_limit - fixed_s) / max(session.planned_duration_s - fixed_s, 1.0)
                if minutes < _minimum_minutes(kind, athlete):
                    continue
                session = _session(
                    day, kind, athlete, quality_minutes=minutes, warmup_s=warmup_s, cooldown_s=cooldown_s
                )
            if session.planned_distance_m / 1000.0 <= cap_km:
                sessions.append(session)
                planned.add(kind)
            break
    return sessions


def _marathon_finish(week: _Week, athlete: Athlete) -> bool:
    return athlete.race_distance_m >= 30_000.0 and week.phase is Phase.PEAK and not week.is_recovery


def _feasible_target(target_km: float, quality_km: float, easy_runs: int) -> float:
    """The largest volume ≤ target whose non-quality part, split evenly over the long run and
    `easy_runs` easy runs, keeps each of them within LONG_RUN_FILL of the long-run limit."""
    volume = target_km
    while volume > quality_km and volume - quality_km > (1 + easy_runs) * LONG_RUN_FILL * long_run_limit_km(
        volume
    ):
        volume *= 0.99
    return volume


def _lay_out(week: _Week, athlete: Athlete, scale: float) -> list[PlannedSession]:
    """Size the week's sessions; the long run is the longest run and within its limit."""
    quality_days = [day for day, _ in week.quality]
    easy_days = [d for d in week.run_days if d != week.long_day and d not in quality_days]
    if week.long_day is None:
        quality = _quality_sessions(week, athlete, scale, math.inf)
        quality_km = sum(s.planned_distance_m for s in quality) / 1000.0
        while quality and quality_km > week.target_km:
            quality.pop()
            quality_km = sum(s.planned_distance_m for s in quality) / 1000.0
        used = {s.day for s in quality}
        fill_days = sorted([*easy_days, *(d for d in quality_days if d not in used)])
        return quality + _fill_easy(fill_days, week.target_km - quality_km, athlete, STRIDES)

    cap = min(
        LONG_RUN_FILL * long_run_limit_km(week.target_km),
        _long_run_cap_km(athlete.race_distance_m),
        LONG_RUN_MAX_S / athlete.paces.easy_mid_s_per_km,
        _day_km_cap(week.long_day, athlete),
    )
    candidates = _quality_sessions(week, athlete, scale, cap)
    for _ in range(LAYOUT_ROUNDS):
        quality = [s for s in candidates if s.planned_distance_m / 1000.0 <= cap]
        quality_km = sum(s.planned_distance_m for s in quality) / 1000.0
        while quality and quality_km > week.target_km - cap:
            quality.pop()
            quality_km = sum(s.planned_distance_m for s in quality) / 1000.0
        used = {s.day for s in quality}
        fill_days = sorted([*easy_days, *(d for d in quality_days if d not in used)])
        target_km = _feasible_target(week.target_km, quality_km, len(fill_days))
        cap = min(cap, LONG_RUN_FILL * long_run_limit_km(target_km))
        long_km = min(cap, target_km - quality_km)
        easy = _fill_easy(fill_days, target_km - quality_km - long_km, athlete, STRIDES, cap)
        sessions = quality + easy
        rest_km = sum(s.planned_distance_m for s in sessions) / 1000.0
        long_km = _floor_tenth(_fit_long_run(long_km, rest_km))
        longest_other = max((s.planned_distance_m / 1000.0 for s in sessions), default=0.0)
        if long_km >= MIN_EASY_KM and longest_other <= long_km + 1e-6:
            budget_min = INTENSE_SHARE_TARGET * week.target_km * athlete.paces.easy_mid_s_per_km / 60.0
            finish_min = min(
                scale * budget_min / (len(week.quality) + 1),
                0.2 * week.target_km * athlete.paces.marathon_s_per_km / 60.0,
                MARATHON_PACE_MAX_MIN,
            )
            finish = finish_min if _marathon_finish(week, athlete) and finish_min >= 15.0 else None
            long_run = _session(
                week.long_day, WorkoutKind.LONG, athlete, distance_km=long_km, quality_minutes=finish
            )
            return [*sessions, long_run]
        cap = min(cap, long_km)
    # No long run fits this week's sessions (very low volume): run the long-run day easy instead.
    return quality + _fill_easy(
        sorted([*fill_days, week.long_day]), week.target_km - quality_km, athlete, STRIDES
    )


def _place_on_open_days(
    days: list[date], run_days: list[date], keys: set[date], athlete: Athlete
) -> dict[date, date | None]:
    """Where each run day goes: itself when the athlete can train then, else the nearest free open day of
    the week (for a key session one with no key session beside it, this week's or the pattern's in the
    weeks either side), else None (dropped: its load goes to the other runs)."""
    availability = athlete.availability
    placed: dict[date, date | None] = {d: d for d in run_days if availability.is_open(d)}
    final_keys = {d for d in keys if d in placed}
    around = {d + timedelta(days=shift) for d in keys for shift in (-7, 7)}
    for day in sorted(run_days, key=lambda d: (d not in keys, d)):
        if day in placed:
            continue
        used = {d for d in placed.values() if d is not None}
        free = [
            d
            for d in days
            if availability.is_open(d) and d not in used and d not in run_days and d < athlete.race_date
        ]
        if day in keys:
            near = final_keys | around
            free = [
                d
                for d in free
                if d - timedelta(days=1) not in near
                and d + timedelta(days=1) not in near
                and (athlete.race_date - d).days > 2
            ]
        target = min(free, key=lambda d: (abs((d - day).days), d), default=None)
        placed[day] = target
        if target is not None and day in keys:
            final_keys.add(target)
    return placed


def build_week(
    start: date,
    end: date,
    phase: Phase,
    is_recovery: bool,
    target_km: float,
    athlete: Athlete,
) -> list[PlannedSession]:
    """The sessions of the week `start`–`end`, sorted by day, totalling at most `target_km` of training
    (plus the race in race week)."""
    days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
    run_days = [
        d for d in days if _offset(d, athlete) in RUN_OFFSETS[athlete.days_per_week] and d < athlete.race_date
    ]
    race_week = end == athlete.race_date
    if phase is Phase.LEAD_IN:
        placed = _place_on_open_days(days, run_days, set(), athlete)
        return _fill_easy(sorted(d for d in placed.values() if d), target_km, athlete, strides=False)

    long_day = next((d for d in run_days if _offset(d, athlete) == 0 and not race_week), None)
    kinds = () if is_recovery else _quality_kinds(phase, athlete.race_distance_m)
    kinds = kinds[: 1 if athlete.days_per_week == 3 else 2]
    quality_days = [
        d
        for d in run_days
        if _offset(d, athlete) in QUALITY_OFFSETS[: len(kinds)] and (athlete.race_date - d).days > 2
    ]
    pairs = list(zip(quality_days, kinds, strict=False))
    if not athlete.availability.unlimited:
        keys = {d for d in (long_day, *quality_days) if d is not None}
        placed = _place_on_open_days(days, run_days, keys, athlete)
        long_day = placed.get(long_day) if long_day is not None else None
        pairs = [(moved, kind) for day, kind in pairs if (moved := placed.get(day)) is not None]
        quality_days = [day for day, _ in pairs]
        run_days = sorted(d for d in placed.values() if d is not None)
    if long_day is not None:
        target_km = min(target_km, week_capacity_km(len(run_days)))
    week = _Week(
        phase,
        is_recovery,
        target_km,
        run_days,
        long_day,
        pairs,
        race_week,
    )
    scale = 1.0
    for attempt in range(MAX_SCALINGS + 1):
        sessions = _lay_out(week, athlete, 0.0 if attempt == MAX_SCALINGS else scale)
        duration = sum(s.planned_duration_s for s in sessions)
        intense = sum(s.summary.intense_s for s in sessions)
        if duration <= 0 or intense / duration <= INTENSE_SHARE_TARGET:
            break
        scale *= 0.8
    if race_week:
        sessions.append(_session(athlete.race_date, WorkoutKind.RACE, athlete))
    return sorted(sessions, key=lambda s: s.day)
