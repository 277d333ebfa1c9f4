"""What a question expects: the tools (with arguments), the figures (with tolerances), the names kept
verbatim, the words an answer must use, and for actions the side effect and its approval.

Categories follow the published personal-health agent benchmarks (PHIA's fact / aggregate / comparison /
trend / condition queries, LifeAgentBench's actions and multi-step tasks), with RunCoach's own sample-level,
state and knowledge questions; `advice` is open-ended and scored only on its tools and its grounding.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from sqlalchemy.ext.asyncio import AsyncSession

Category = Literal[
    "fact",
    "aggregate",
    "comparison",
    "trend",
    "condition",
    "samples",
    "action",
    "state",
    "knowledge",
    "multi_step",
    "advice",
]
CATEGORIES: tuple[Category, ...] = get_args(Category)

Unit = Literal["km", "bpm", "duration", "pace", "count", "number", "percent"]
ArgCheck = Callable[[Any], bool]
#: an effect check: None when the stored state is what the question asked for, else what is wrong
Effect = Callable[[AsyncSession, int], Awaitable[str | None]]


@dataclass(frozen=True)
class ToolExpect:
    """One of `names` must be called; each argument in `args` must equal the value (or pass the check)."""

    names: tuple[str, ...]
    args: Mapping[str, Any | ArgCheck] = field(default_factory=dict)

    def describe(self) -> str:
        return "/".join(self.names) + (f"({', '.join(self.args)})" if self.args else "")


@dataclass(frozen=True)
class FigureExpect:
    """A figure the answer must state: `value` in the athlete's units, within `tolerance`."""

    label: str
    value: float
    unit: Unit
    tolerance: float


@dataclass(frozen=True)
class Question:
    id: str
    category: Category
    text: str
    tools: tuple[ToolExpect, ...] = ()
    figures: tuple[FigureExpect, ...] = ()
    names: tuple[str, ...] = ()  # must appear verbatim in the answer (or in what the action stored)
    words: tuple[tuple[str, ...], ...] = ()  # for each group, the answer uses at least one of the words
    approval: str | None = None  # this side-effecting tool must ask the athlete before it runs
    effect: Effect | None = None  # checked after the turn (and after an approval): what was stored
    follow_up: str | None = None  # a second message in the same thread (multi-turn questions)


def km(label: str, value: float, tolerance: float = 0.06) -> FigureExpect:
    return FigureExpect(label, round(value, 3), "km", tolerance)


def bpm(label: str, value: float, tolerance: float = 1.0) -> FigureExpect:
    return FigureExpect(label, round(value, 1), "bpm", tolerance)


def duration(label: str, seconds: float, tolerance: float = 60.0) -> FigureExpect:
    return FigureExpect(label, round(seconds), "duration", tolerance)


def pace(label: str, seconds_per_km: float, tolerance: float = 3.0) -> FigureExpect:
    return FigureExpect(label, round(seconds_per_km), "pace", tolerance)


def count(label: str, n: int) -> FigureExpect:
    return FigureExpect(label, n, "count", 0.0)


def number(label: str, value: float, tolerance: float) -> FigureExpect:
    return FigureExpect(label, value, "number", tolerance)
