"""What every coach run gets: the tool dependencies (identity included) and where its events go.

Identity comes from `tools` (a `ToolDeps` built from the signed-in user), never from a tool argument the model
fills in. `emit` receives the turn's events; `sources` collects every tool result of the turn (the evidence
the grounding check compares the answer's figures with).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent.events import CoachEvent
from tools.deps import ToolDeps


def _drop(event: CoachEvent) -> None:
    return None


@dataclass
class CoachDeps:
    tools: ToolDeps
    emit: Callable[[CoachEvent], None] = _drop
    #: tool-call ids whose result event was already emitted
    reported: set[str] = field(default_factory=set)
    #: JSON-able outputs of every tool call of this turn, plus the athlete context
    sources: list[Any] = field(default_factory=list)
    #: one tool at a time: tools share the turn's database session
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
