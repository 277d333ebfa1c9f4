"""Scoring one transcript against its question: tools and arguments, figures within tolerance, names verbatim,
required words, side effects only after approval, and no ungrounded figure.

The answer's numbers are read here with a parser of its own (not the product's grounding code), in the forms a
coach writes them: "9.01 km", "154 bpm", "47:12" or "1:05:03" (durations and paces), "57 min".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from evals.spec import FigureExpect, Question, ToolExpect

_CLOCK = re.compile(r"(?<![\d:])(\d{1,3}):(\d{2})(?::(\d{2}))?(?![\d:])")
_MINUTES = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s?(?:min|mins|minutes)\b", re.I)
_HOURS = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s?(?:h|hr|hrs|hours?)\b", re.I)
_PLAIN = re.compile(r"(?:(?<![\w.:-])(-)(?=\d))?(?<![\w.:])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\d:])")
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}


@dataclass
class Transcript:
    """What happened in one question's turn(s)."""

    answer: str = ""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # tool calls and approval requests
    approvals: list[str] = field(default_factory=list)  # tools that asked for approval, in order
    effect_before_approval: bool = False
    effect_error: str | None = None  # from the question's effect check after the turn
    ungrounded: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # error events
    evidence: list[Any] = field(default_factory=list)  # tool results' data, for the grounding measurement
    model: str | None = None


@dataclass
class Score:
    question: Question
    checks: dict[str, str | None]  # check → None when it passed, else why not

    @property
    def correct(self) -> bool:
        return all(reason is None for reason in self.checks.values())

    @property
    def failures(self) -> dict[str, str]:
        return {k: v for k, v in self.checks.items() if v is not None}


def readings(answer: str) -> dict[str, list[float]]:
    """Numbers in the answer by the kind of reading: `clock` seconds, `plain` values, `count` words too."""
    text = _ISO_DATE.sub(" ", answer)
    clock: list[float] = []
    for h_or_m, m_or_s, s in _CLOCK.findall(text):
        if s:
            clock.append(int(h_or_m) * 3600 + int(m_or_s) * 60 + int(s))
        else:
            clock.append(int(h_or_m) * 60 + int(m_or_s))  # m:ss
            clock.append(int(h_or_m) * 3600 + int(m_or_s) * 60)  # h:mm
    clock += [float(m) * 60 for m in _MINUTES.findall(text)]
    clock += [float(h) * 3600 for h in _HOURS.findall(text)]
    without_clocks = _CLOCK.sub(" ", text)
    plain = [
        float(sign + whole.replace(",", "") + frac) for sign, whole, frac in _PLAIN.findall(without_clocks)
    ]
    words = [float(_WORDS[w]) for w in re.findall(r"\b(" + "|".join(_WORDS) + r")\b", text.lower())]
    return {"clock": clock, "plain": plain, "count": plain + words}


def figure_found(figure: FigureExpect, found: dict[str, list[float]]) -> bool:
    pool = {
        "duration": found["clock"],
        "pace": found["clock"],
        "count": found["count"],
    }.get(figure.unit, found["plain"])
    return any(abs(v - figure.value) <= figure.tolerance + 1e-9 for v in pool)


def _arg_ok(expected: Any, actual: Any) -> bool:
    if callable(expected):
        try:
            return bool(expected(actual))
        except Exception:
            return False
    if isinstance(expected, float) and isinstance(actual, int | float):
        return abs(expected - actual) <= 1e-6 * max(1.0, abs(expected))
    return bool(expected == actual)


def tool_called(expect: ToolExpect, calls: list[tuple[str, dict[str, Any]]]) -> str | None:
    named = [args for name, args in calls if name in expect.names]
    if not named:
        made = ", ".join(name for name, _ in calls) or "none"
        return f"{expect.describe()} not called (called: {made})"
    for args in named:
        if all(_arg_ok(want, args.get(key)) for key, want in expect.args.items()):
            return None
    got = "; ".join(str({k: a.get(k) for k in expect.args}) for a in named)
    return f"{expect.describe()} called with other arguments: {got}"


def score(question: Question, t: Transcript) -> Score:
    checks: dict[str, str | None] = {}
    checks["answered"] = "; ".join(t.errors) if t.errors or not t.answer.strip() else None
    for i, expect in enumerate(question.tools):
        checks[f"tool:{i}:{expect.describe()}"] = tool_called(expect, t.calls)
    found = readings(t.answer)
    for figure in question.figures:
        checks[f"figure:{figure.label}"] = (
            None
            if figure_found(figure, found)
            else f"{figure.label} {figure.value:g} {figure.unit} not in answer"
        )
    lowered = t.answer.lower()
    for name in question.names:
        in_answer = name in t.answer
        in_calls = any(name in map(str, args.values()) for _, args in t.calls)
        checks[f"name:{name}"] = None if in_answer or in_calls else f"{name!r} not kept verbatim"
    for group in question.words:
        checks[f"words:{'|'.join(group)}"] = (
            None if any(w.lower() in lowered for w in group) else f"none of {group} in answer"
        )
    if question.approval is not None:
        checks[f"approval:{question.approval}"] = (
            None if question.approval in t.approvals else f"{question.approval} did not ask for approval"
        )
    if t.effect_before_approval:
        checks["effect_after_approval"] = "the side effect happened before the athlete approved"
    if question.effect is not None:
        checks["effect"] = t.effect_error
    checks["grounded"] = f"ungrounded figures: {', '.join(t.ungrounded)}" if t.ungrounded else None
    return Score(question=question, checks=checks)
