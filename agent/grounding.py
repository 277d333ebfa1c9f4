"""Check that every figure in an answer can be traced to this turn's evidence.

Evidence is every tool result of the turn, the athlete context (itself from tools), retrieved knowledge text
and the athlete's own message. A figure in the answer is grounded when some evidence number, or a plain unit
conversion of it, rounds to it at the precision the answer printed:

- as is, ×100 (a fraction shown as %), ÷1000 (m → km), ÷1609.344 (m → mi), ÷60 and ÷3600 (s → min, h),
  ×3.6 (m/s → km/h), 1000/x and 1609.344/x (m/s → s per km or mile, compared with "m:ss" paces);
- clock forms in the answer ("4:35", "1:45:30") are read as seconds (and "h:mm" also as minutes);
- numbers in evidence text are read the same way, so a retrieved "two to three weeks" is not a figure but a
  retrieved "42.2 km" or "5:30" is.

Small bare counts (0–10 without a unit: "2 easy runs", "zone 2") and list numbering are not checked. What is
left unmatched is returned, to be flagged in the stream; nothing is removed from the answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Figure", "evidence_numbers", "figures_in", "ungrounded_figures"]

_UNITS = (
    r"km|kms|k|mi|miles?|m|metres?|meters?|min|mins|minutes?|s|sec|secs|seconds?|h|hrs?|hours?|bpm|%|percent|"
    r"kg|kcal|cal|g|ml|l|w|watts?|spm|rpm|/km|/mi|days?|weeks?|tss|vdot"
)
_NUMBER = re.compile(
    r"(?<![\w.:/-])(?P<num>\d+(?::\d{2}){1,2}|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d:])"
    rf"(?P<unit>\s?(?:{_UNITS})\b|\s?%)?",
    re.IGNORECASE,
)
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?\b")
_LIST_MARKER = re.compile(r"^\s*\d+[.)]\s", re.MULTILINE)


@dataclass(frozen=True)
class Figure:
    text: str
    values: tuple[float, ...]  # the readings of the figure (a clock has two)
    decimals: int
    has_unit: bool


def _readings(raw: str) -> tuple[tuple[float, ...], int]:
    if ":" in raw:
        parts = [int(p) for p in raw.split(":")]
        if len(parts) == 3:
            return (float(parts[0] * 3600 + parts[1] * 60 + parts[2]),), 0
        return (float(parts[0] * 60 + parts[1]), float(parts[0] * 60 + parts[1]) * 60), 0
    clean = raw.replace(",", "")
    decimals = len(clean.split(".")[1]) if "." in clean else 0
    return (float(clean),), decimals


def figures_in(text: str) -> list[Figure]:
    """The numeric figures of `text` (dates and list markers left out)."""
    text = _LIST_MARKER.sub(" ", _DATE.sub(" ", text))
    figures = []
    for match in _NUMBER.finditer(text):
        raw = match.group("num")
        values, decimals = _readings(raw)
        figures.append(
            Figure(
                text=match.group(0).strip(),
                values=values,
                decimals=decimals,
                has_unit=bool(match.group("unit")),
            )
        )
    return figures


def _walk(value: Any) -> Iterator[float]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        if math.isfinite(value):
            yield float(value)
    elif isinstance(value, str):
        for date in _DATE.findall(value):
            for part in re.findall(r"\d+", date):
                yield float(part)
        for figure in figures_in(value):
            yield from figure.values
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item)


def evidence_numbers(evidence: Iterable[Any]) -> set[float]:
    """Every number in the evidence and its plain unit conversions."""
    numbers: set[float] = set()
    for x in _walk(list(evidence)):
        numbers.update((x, x * 100, x / 1000, x / 1609.344, x / 60, x / 3600, x * 3.6))
        if x > 0:
            numbers.update((1000 / x, 1609.344 / x))
    return numbers


def _matches(figure: Figure, numbers: set[float]) -> bool:
    tolerance = 0.5 * 10 ** (-figure.decimals) + 1e-9
    return any(abs(n - v) <= tolerance for v in figure.values for n in numbers)


def ungrounded_figures(answer: str, evidence: Iterable[Any]) -> list[str]:
    """Figures of `answer` that no evidence number (or conversion of one) accounts for, in order, unique."""
    numbers = evidence_numbers(evidence)
    flagged: list[str] = []
    for figure in figures_in(answer):
        if (
            not figure.has_unit
            and len(figure.values) == 1
            and figure.values[0] <= 10
            and figure.decimals == 0
        ):
            continue
        if not _matches(figure, numbers) and figure.text not in flagged:
            flagged.append(figure.text)
    return flagged
