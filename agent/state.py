"""The graph's typed state (checkpointed in PostgreSQL) and the per-run context (not checkpointed).

State holds only JSON values — pydantic-ai messages in their JSON form — so a checkpoint can be read back by
any later process, whatever objects it had in memory.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

from pydantic_ai.messages import ModelMessage, ModelMessagesTypeAdapter
from pydantic_ai.models import Model

from tools.deps import ToolDeps
from tools.registry import ToolSpec


class CoachState(TypedDict, total=False):
    #: the thread's pydantic-ai messages (JSON), appended to by the coach node
    messages: Annotated[list[dict[str, Any]], operator.add]
    #: the athlete's message for the coach node to answer (None while resuming after approvals)
    prompt: str | None
    #: athlete context loaded at the start of the turn
    context: dict[str, Any]
    #: evidence of the turn for the grounding check: the message, the context, every tool output
    sources: list[Any]
    #: approvals the coach is waiting for (`PendingApproval.as_dict()`), in order
    pending: list[dict[str, Any]]
    #: the athlete's decisions on them: {approval_id, tool, arguments, approved, note}
    decisions: list[dict[str, Any]]
    #: results of the approved calls by call id, from the act node (checkpointed before the model goes on)
    acted: dict[str, Any]
    #: the turn's answer so far (all text deltas)
    answer: str
    #: model name, usage totals and error of the turn
    outcome: dict[str, Any]


def turn_input(prompt: str) -> CoachState:
    """The input that starts a new turn (resets every per-turn key)."""
    return CoachState(
        prompt=prompt, context={}, sources=[prompt], pending=[], decisions=[], acted={}, answer="", outcome={}
    )


def load_messages(raw: list[dict[str, Any]]) -> list[ModelMessage]:
    return ModelMessagesTypeAdapter.validate_python(raw)


def dump_messages(messages: list[ModelMessage]) -> list[dict[str, Any]]:
    dumped: list[dict[str, Any]] = ModelMessagesTypeAdapter.dump_python(messages, mode="json")
    return dumped


@dataclass
class TurnContext:
    """What the nodes need that is not state: the tool deps (identity), the model, the tools, where events
    go, limits."""

    tools: ToolDeps
    model: Model
    specs: list[ToolSpec]
    #: where the nodes send their events, in order (the turn's stream reads them from there)
    emit: Callable[[Any], None]
    max_requests: int = 8
    history_messages: int = 40
