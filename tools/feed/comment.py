"""RunCoach's short comment on one activity, composed from numbers only (pure: no I/O).

No invented sports science: every sentence states a measured figure of this activity, or compares it with
the same athlete's own activities before it. The sentences, each kept only when its data is there:

| key | says | from |
|---|---|---|
| summary | distance, time, pace (running/walking), average HR | the activity's totals |
| longest | "your longest <sport> in 4 weeks" | distance vs. the same sport in the 28 days before |
| pace_vs_recent | s/km (s/mi) faster or slower than the 4-week average pace | running, ≥ 2 runs before |
| halves | negative, even or positive split, with the two half times | per-second distance and time |
| zones | the heart-rate zone with the most time, and its share | the activity page's zone times |
| load | training load and its method; "highest of the last 7 days" | stored load vs. the 7 days before |

Halves use moving time: each gap between samples counts at most `MAX_GAP_S`, so a stop at a crossing does
not make a half look slow. "Even" means the halves differ by less than `EVEN_SPLIT` of the first half.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from tools.statistics import MAX_GAP_S
from tools.units import clock

Units = Literal["metric", "imperial"]

MILE_M = 1609.344
HISTORY_DAYS = 28
LOAD_DAYS = 7
MIN_PRIOR_FOR_PACE = 2
PACE_SAME_S = 3.0  # s per km (or mile) within which a pace is "in line" with the average
EVEN_SPLIT = 0.01
MIN_SPLIT_DISTANCE_M = 1000.0
PACED_SPORTS = ("running", "walking", "hiking", "trail_running")

#: how a sport is named in "your longest … in 4 weeks"
NOUNS = {"running": "run", "cycling": "ride", "swimming": "swim", "walking": "walk", "hiking": "hike"}


@dataclass(frozen=True)
class ActivityFacts:
    """What is measured of the activity commented on."""

    sport: str
    distance_m: float | None
    duration_s: float | None
    avg_hr: float | None = None
    training_load: float | None = None
    load_method: str | None = None
    halves_s: tuple[float, float] | None = None
    top_zone: tuple[str, float] | None = None  # zone name, share of the time with heart rate (0–1)
    zone_max_hr: float | None = None
    zone_anchor: str | None = None  # where that max HR came from: profile, estimated, assumed


@dataclass(frozen=True)
class Prior:
    """An earlier activity of the same sport (within HISTORY_DAYS before)."""

    distance_m: float | None
    duration_s: float | None


@dataclass(frozen=True)
class History:
    same_sport: Sequence[Prior] = field(default_factory=tuple)
    loads_before: Sequence[float] = field(default_factory=tuple)  # every sport, LOAD_DAYS before


class CommentFact(BaseModel):
    key: str
    text: str
    value: float | None = None


class ComputedComment(BaseModel):
    text: str
    facts: list[CommentFact]


def _distance(metres: float, units: Units) -> str:
    if units == "imperial":
        return f"{metres / MILE_M:.2f} mi"
    return f"{metres / 1000:.2f} km"


def _per_unit(units: Units) -> float:
    return MILE_M if units == "imperial" else 1000.0


def _pace(seconds_per_unit: float, units: Units) -> str:
    return f"{clock(seconds_per_unit)} /{'mi' if units == 'imperial' else 'km'}"


def pace_of(distance_m: float | None, duration_s: float | None, units: Units = "metric") -> float | None:
    """Seconds per km (or mile); None without a usable distance and time."""
    if not distance_m or not duration_s or distance_m < 50:
        return None
    return duration_s / (distance_m / _per_unit(units))


def half_splits(t: Sequence[float], distance_m: Sequence[float | None]) -> tuple[float, float] | None:
    """Moving time of the first and second half of the distance (pure); None when too short or no
    distance. Each gap between consecutive samples counts at most MAX_GAP_S."""
    points = [(ti, d) for ti, d in zip(t, distance_m, strict=True) if d is not None]
    if len(points) < 3:
        return None
    start_d = points[0][1]
    total = max(d for _, d in points) - start_d
    if total < MIN_SPLIT_DISTANCE_M:
        return None
    half = start_d + total / 2
    moving = 0.0
    first: float | None = None
    for (t0, d0), (t1, d1) in itertools.pairwise(points):
        gap = min(max(t1 - t0, 0.0), MAX_GAP_S)
        if first is None and d1 >= half:
            # the half-way mark lies in this gap: interpolate by distance
            share = (half - d0) / (d1 - d0) if d1 > d0 else 1.0
            first = moving + gap * min(max(share, 0.0), 1.0)
        moving += gap
        if d1 >= start_d + total:
            break
    if first is None or first <= 0 or moving - first <= 0:
        return None
    return round(first, 1), round(moving - first, 1)


def compose(facts: ActivityFacts, history: History, units: Units = "metric") -> ComputedComment:
    """The comment: one sentence per fact that the data supports, in the order of the table above."""
    out: list[CommentFact] = []
    sport = facts.sport.replace("_", " ")
    paced = facts.sport in PACED_SPORTS
    pace = pace_of(facts.distance_m, facts.duration_s, units) if paced else None

    parts: list[str] = []
    if facts.distance_m:
        parts.append(_distance(facts.distance_m, units))
    if facts.duration_s:
        parts.append(("in " if parts else "") + clock(facts.duration_s))
    summary = " ".join(parts) if parts else sport.capitalize()
    if parts and not paced:
        summary += f" of {sport}"
    if pace is not None:
        summary += f" ({_pace(pace, units)})"
    if facts.avg_hr:
        summary += f", average heart rate {round(facts.avg_hr)} bpm"
    out.append(CommentFact(key="summary", text=summary + ".", value=facts.distance_m))

    earlier = [p.distance_m for p in history.same_sport if p.distance_m]
    if facts.distance_m and earlier and facts.distance_m > max(earlier):
        noun = NOUNS.get(facts.sport, f"{sport} session")
        out.append(
            CommentFact(
                key="longest",
                text=f"Your longest {noun} in {HISTORY_DAYS // 7} weeks "
                f"(the longest before was {_distance(max(earlier), units)}).",
                value=max(earlier),
            )
        )

    if pace is not None and facts.sport == "running":
        priors = [p for p in history.same_sport if pace_of(p.distance_m, p.duration_s) is not None]
        if len(priors) >= MIN_PRIOR_FOR_PACE:
            metres = sum(p.distance_m or 0.0 for p in priors)
            seconds = sum(p.duration_s or 0.0 for p in priors)
            average = seconds / (metres / _per_unit(units))
            diff = pace - average
            unit = "mi" if units == "imperial" else "km"
            if abs(diff) < PACE_SAME_S:
                text = (
                    f"Pace in line with your 4-week average of {_pace(average, units)} ({len(priors)} runs)."
                )
            else:
                faster = "faster" if diff < 0 else "slower"
                text = (
                    f"{round(abs(diff))} s/{unit} {faster} than your 4-week average of "
                    f"{_pace(average, units)} ({len(priors)} runs)."
                )
            out.append(CommentFact(key="pace_vs_recent", text=text, value=round(diff, 1)))

    if facts.halves_s is not None and paced:
        first, second = facts.halves_s
        diff = second - first
        if abs(diff) < EVEN_SPLIT * first:
            text = f"Even halves: {clock(first)} and {clock(second)}."
        elif diff < 0:
            text = (
                f"Negative split: the second half {clock(-diff)} faster "
                f"({clock(first)}, then {clock(second)})."
            )
        else:
            text = f"The second half took {clock(diff)} longer ({clock(first)}, then {clock(second)})."
        out.append(CommentFact(key="halves", text=text, value=round(diff, 1)))

    if facts.top_zone is not None and facts.zone_max_hr:
        name, share = facts.top_zone
        anchor = f", {facts.zone_anchor}" if facts.zone_anchor else ""
        out.append(
            CommentFact(
                key="zones",
                text=f"Most of the time in {name} ({round(share * 100)}% of it), by zones from a max heart "
                f"rate of {round(facts.zone_max_hr)} bpm{anchor}.",
                value=round(share, 3),
            )
        )

    if facts.training_load is not None:
        method = f" ({facts.load_method})" if facts.load_method else ""
        text = f"Training load {round(facts.training_load)}{method}"
        if history.loads_before and facts.training_load > max(history.loads_before):
            text += f", the highest of the last {LOAD_DAYS} days"
        out.append(CommentFact(key="load", text=text + ".", value=round(facts.training_load, 1)))

    return ComputedComment(text=" ".join(f.text for f in out), facts=out)
