"""Check that every figure in an answer can be traced to this turn's evidence, unit for unit.

Evidence is every tool result of the turn, the athlete context (itself from tools), retrieved knowledge text
and the athlete's own message. Each evidence number gets a *kind* from the field that holds it (the innermost
key that says something: `avg_hr` → heart rate, `distance_m` → distance, `slowest_s_per_km` → pace,
`moving_s` → duration, `avg_speed_mps` → speed, `*_pct` → percent…); numbers in evidence text get the kind of
their unit ("42.2 km", "5:30 /km", "150 bpm").

A figure in the answer with a unit matches only evidence of the same kind, in that kind's plain conversions:

- bpm ↔ heart-rate fields, as is;
- km / mi / m ↔ distances (m → km ÷1000, m → mi ÷1609.344, and km fields as km);
- min / h / s and clocks ("47:12", "1:05:03") ↔ durations in seconds (minute and hour fields converted);
- paces ("5:14 /km", "8:25 per mile", a bare clock too) ↔ paces, and speeds as 1000/x or 1609.344/x s;
- % ↔ percentages, and fractions ×100; W ↔ power; spm ↔ cadence.

A figure without a unit (a CTL of 48.2, a VDOT, a count) may match any evidence number, as is or in those
conversions. It is grounded when some matching number rounds to it at the precision the answer printed.
Small bare counts (0–10 without a unit: "2 easy runs", "zone 2") and list numbering are not checked. What is
left unmatched is returned; `mark_figures` marks it inside the answer for every channel.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal

__all__ = ["UNVERIFIED", "Figure", "evidence_index", "figures_in", "mark_figures", "ungrounded_figures"]

Kind = Literal["hr", "distance", "duration", "pace", "percent", "power", "cadence", "any"]

_UNITS = (
    r"km|kms|k|mi|miles?|m|metres?|meters?|min|mins|minutes?|s|sec|secs|seconds?|h|hrs?|hours?|bpm|%|percent|"
    r"kg|kcal|cal|g|ml|l|w|watts?|spm|rpm|/km|/mi|days?|weeks?|tss|vdot"
)
_NUMBER = re.compile(
    r"(?<![\w.:/-])(?P<num>\d+(?::\d{2}){1,2}|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d:])"
    rf"(?P<unit>\s?(?:{_UNITS})\b|\s?%|\s?(?:/|per )\s?(?:km|kilometre|kilometer|mi|mile)s?\b)?",
    re.IGNORECASE,
)
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?\b")
_LIST_MARKER = re.compile(r"^\s*\d+[.)]\s", re.MULTILINE)
_DIGIT = re.compile(r"\d")

#: how a printed unit reads: (kind, factor to the kind's base unit: metres, seconds, s per km or mi, %)
_UNIT_KINDS: dict[str, tuple[Kind, float]] = {
    "bpm": ("hr", 1.0),
    "km": ("distance", 1000.0),
    "kms": ("distance", 1000.0),
    "k": ("distance", 1000.0),
    "mi": ("distance", 1609.344),
    "mile": ("distance", 1609.344),
    "miles": ("distance", 1609.344),
    "m": ("distance", 1.0),
    "metre": ("distance", 1.0),
    "metres": ("distance", 1.0),
    "meter": ("distance", 1.0),
    "meters": ("distance", 1.0),
    "s": ("duration", 1.0),
    "sec": ("duration", 1.0),
    "secs": ("duration", 1.0),
    "second": ("duration", 1.0),
    "seconds": ("duration", 1.0),
    "min": ("duration", 60.0),
    "mins": ("duration", 60.0),
    "minute": ("duration", 60.0),
    "minutes": ("duration", 60.0),
    "h": ("duration", 3600.0),
    "hr": ("duration", 3600.0),
    "hrs": ("duration", 3600.0),
    "hour": ("duration", 3600.0),
    "hours": ("duration", 3600.0),
    "%": ("percent", 1.0),
    "percent": ("percent", 1.0),
    "w": ("power", 1.0),
    "watt": ("power", 1.0),
    "watts": ("power", 1.0),
    "spm": ("cadence", 1.0),
}

# the kind a field's name gives its numbers, first match wins (so `s_per_km` is a pace, not a duration)
_FIELD_KINDS: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (re.compile(r"pace|per_km|per_mi|s_km\b|s_mi\b"), "pace"),
    (re.compile(r"(^|_)hr($|_)|lthr|bpm|heart_?rate|pulse"), "hr"),
    (re.compile(r"speed|mps|kmh|kph"), "pace"),  # speeds are compared as paces
    (re.compile(r"cadence|spm"), "cadence"),
    (re.compile(r"power|watts|(^|_)w$"), "power"),
    (re.compile(r"pct|percent|ratio|fraction|share"), "percent"),
    (
        re.compile(
            r"distance|(^|_)(km|mi|m)$|_km_|_m_|metres|meters|ascent|descent|altitude|elevation|mileage"
        ),
        "distance",
    ),
    (
        re.compile(r"(^|_)(s|sec|secs|seconds|min|mins|minutes|h|hours)$|duration|time|elapsed|moving|sleep"),
        "duration",
    ),
)

UNVERIFIED = "⚠"  # put after an ungrounded figure inside the answer: "146 bpm ⚠"


@dataclass(frozen=True)
class Figure:
    text: str
    values: tuple[float, ...]  # readings in the unit as printed (a clock has two: m:ss and h:mm, in seconds)
    decimals: int
    has_unit: bool
    kind: Kind = "any"
    factor: float = 1.0  # printed unit → the kind's base unit
    start: int = 0
    end: int = 0


def _readings(raw: str) -> tuple[tuple[float, ...], int]:
    if ":" in raw:
        parts = [int(p) for p in raw.split(":")]
        if len(parts) == 3:
            return (float(parts[0] * 3600 + parts[1] * 60 + parts[2]),), 0
        return (float(parts[0] * 60 + parts[1]), float(parts[0] * 60 + parts[1]) * 60), 0
    clean = raw.replace(",", "")
    decimals = len(clean.split(".")[1]) if "." in clean else 0
    return (float(clean),), decimals


def _unit_kind(raw_unit: str, is_clock: bool) -> tuple[Kind, float]:
    unit = raw_unit.strip().lower()
    if unit.startswith(("/", "per")):
        return "pace", 1.0  # seconds per km or per mile: the index holds both
    if is_clock:
        return "duration", 1.0  # a clock with a unit word ("47:12 min") is still seconds here
    return _UNIT_KINDS.get(unit, ("any", 1.0))


def _masked(text: str) -> str:
    """Dates and list markers blanked out (same length, so positions stay)."""

    def blank(m: re.Match[str]) -> str:
        return " " * len(m.group(0))

    return _LIST_MARKER.sub(blank, _DATE.sub(blank, text))


def figures_in(text: str) -> list[Figure]:
    """The numeric figures of `text` (dates and list markers left out), with the kind their unit gives."""
    masked = _masked(text)
    figures: list[Figure] = []
    for match in _NUMBER.finditer(masked):
        raw = match.group("num")
        values, decimals = _readings(raw)
        unit = match.group("unit") or ""
        clock = ":" in raw
        kind, factor = _unit_kind(unit, clock) if unit else (("pace" if clock else "any"), 1.0)
        if clock and not unit:
            kind = "any"  # a bare clock is a duration or a pace: checked against both below
        figures.append(
            Figure(
                text=match.group(0).strip(),
                values=values,
                decimals=decimals,
                has_unit=bool(unit) or clock,
                kind=kind,
                factor=factor,
                start=match.start(),
                end=match.start() + len(match.group(0).rstrip()),
            )
        )
    return _ranges_share_units(masked, figures)


_RANGE = re.compile(r"\s*(?:-|–|—|to)\s*", re.IGNORECASE)


def _ranges_share_units(text: str, figures: list[Figure]) -> list[Figure]:
    """In "20 to 40 min" or "124–143 bpm" the first number has the second one's unit."""
    out = list(figures)
    for i in range(len(out) - 2, -1, -1):
        first, second = out[i], out[i + 1]
        if first.has_unit or not second.has_unit or second.kind == "any":
            continue
        if _RANGE.fullmatch(text[first.end : second.start]):
            out[i] = replace(first, kind=second.kind, factor=second.factor, has_unit=True)
    return out


@lru_cache(maxsize=4096)  # a turn's evidence repeats the same few hundred paths (a list's items share theirs)
def _field_kind(path: tuple[str, ...]) -> tuple[Kind, float]:
    """The kind of a number from the names of the fields that hold it, innermost first, with the factor to
    the kind's base unit (a `_km` field is in km, a `_min` field in minutes…)."""
    for key in reversed(path):
        name = key.lower()
        for pattern, kind in _FIELD_KINDS:
            if pattern.search(name):
                if kind == "distance":
                    return kind, 1000.0 if re.search(r"km", name) else 1609.344 if re.search(
                        r"(^|_)mi", name
                    ) else 1.0
                if kind == "duration":
                    if re.search(r"(^|_)(min|mins|minutes)($|_)", name):
                        return kind, 60.0
                    if re.search(r"(^|_)(h|hours)$", name):
                        return kind, 3600.0
                return kind, 1.0
    return "any", 1.0


def _walk(value: Any) -> Iterator[tuple[Kind, float, float]]:
    """(kind, value in the kind's base unit, raw value) of every number in the evidence (with an explicit
    stack, not a generator per level: the evidence of a turn has thousands of values)."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int | float):
            if math.isfinite(value):
                kind, factor = _field_kind(path)
                yield kind, float(value) * factor, float(value)
        elif isinstance(value, str):
            yield from _text_numbers(value)
        elif isinstance(value, dict):
            stack.extend((item, (*path, str(key))) for key, item in reversed(value.items()))
        elif isinstance(value, list | tuple):
            stack.extend((item, path) for item in reversed(value))


def _text_numbers(value: str) -> Iterator[tuple[Kind, float, float]]:
    """The numbers of an evidence text: the parts of its dates, and its figures with their unit's kind."""
    if _DIGIT.search(value) is None:
        return  # most evidence text (names, notes, descriptions) has no number at all
    for date in _DATE.findall(value):
        for part in re.findall(r"\d+", date):
            yield "any", float(part), float(part)
    for figure in figures_in(value):
        for reading in figure.values:
            kinds: tuple[Kind, ...] = (
                ("duration", "pace") if ":" in figure.text and figure.kind == "any" else (figure.kind,)
            )
            for kind in kinds:
                yield kind, reading * figure.factor, reading


def _loose(x: float) -> set[float]:
    """A number and its plain unit conversions, for figures printed without a unit."""
    out = {x, x * 100, x / 1000, x / 1609.344, x / 60, x / 3600, x * 3.6}
    if x > 0:
        out.update((1000 / x, 1609.344 / x))
    return out


def evidence_index(evidence: Iterable[Any]) -> dict[Kind, set[float]]:
    """Evidence numbers by kind, in each kind's base unit (metres, seconds, s per km *and* per mile, %)."""
    index: dict[Kind, set[float]] = {
        k: set() for k in ("hr", "distance", "duration", "pace", "percent", "power", "cadence", "any")
    }
    for kind, base, raw in _walk(list(evidence)):
        index["any"].update(_loose(raw))
        if kind == "pace":
            if base > 0:
                # a pace field in s/km, or a speed in m/s: both become s/km and s/mi
                index["pace"].update((base, base * 1.609344, 1000 / base, 1609.344 / base))
        elif kind == "percent":
            index["percent"].update((base, base * 100))
        elif kind != "any":
            index[kind].add(base)
    return index


def _close(values: Iterable[float], pool: set[float], tolerance: float) -> bool:
    return any(abs(n - v) <= tolerance for v in values for n in pool)


def _grounded(figure: Figure, index: dict[Kind, set[float]]) -> bool:
    tolerance = 0.5 * 10 ** (-figure.decimals) + 1e-9
    if figure.kind in ("duration", "pace") or ":" in figure.text:
        tolerance *= 2  # times are as often cut as rounded: "47:12" for 2832.9 s
    if figure.kind == "any":
        if ":" in figure.text:  # a bare clock: a duration or a pace
            return _close(figure.values, index["duration"] | index["pace"] | index["any"], tolerance)
        return _close(figure.values, index["any"], tolerance)
    base = [v * figure.factor for v in figure.values]
    return _close(base, index[figure.kind], tolerance * figure.factor)


def _ungrounded(answer: str, evidence: Iterable[Any]) -> list[Figure]:
    checked = []
    for figure in figures_in(answer):
        small_count = figure.values[0] <= 10 and figure.decimals == 0 and len(figure.values) == 1
        if figure.kind == "any" and ":" not in figure.text and small_count:
            continue
        checked.append(figure)
    if not checked:
        return []  # nothing to trace: the evidence need not be read
    index = evidence_index(evidence)
    return [figure for figure in checked if not _grounded(figure, index)]


def ungrounded_figures(answer: str, evidence: Iterable[Any]) -> list[str]:
    """Figures of `answer` that no evidence number of their kind accounts for, in order, unique."""
    out: list[str] = []
    for figure in _ungrounded(answer, evidence):
        if figure.text not in out:
            out.append(figure.text)
    return out


def mark_figures(answer: str, flagged: Iterable[str]) -> str:
    """The answer with `UNVERIFIED` after each occurrence of a flagged figure, so every channel that shows
    the saved answer (web, Telegram, SSE clients) shows which figures are not backed by this turn's data."""
    wanted = set(flagged)
    if not wanted:
        return answer
    out = answer
    for figure in reversed(figures_in(answer)):
        if figure.text in wanted:
            out = f"{out[: figure.end]} {UNVERIFIED}{out[figure.end :]}"
    return out
