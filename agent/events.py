"""The events of a coaching turn: one typed union that every surface (web, SSE, Telegram, jobs) consumes.

`CoachEvent` is a pydantic discriminated union on `type`; `CoachEventAdapter.validate_python(...)` reads one
back from its `model_dump()` (as stored in `messages.events` or sent over SSE). See `agent.stream.stream` for
the order in which they arrive.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)


class TurnStarted(_Event):
    """First event of every turn: which thread (a new one gets its id and title here). A turn that has to
    wait before it can start sends one at once with `queued` set, and another (`queued` null) when it
    starts."""

    type: Literal["turn_started"] = "turn_started"
    thread_id: str
    title: str | None
    resumed: bool = Field(description="true when this turn continues after an approval decision")
    queued: int | None = Field(
        default=None,
        description="the turn waits to start (the server is busy): its place in the queue (1 = next); null "
        "once it runs",
    )


class TextDelta(_Event):
    """A piece of the coach's answer; concatenate them in order."""

    type: Literal["text_delta"] = "text_delta"
    text: str


class ToolCall(_Event):
    """The coach started a tool."""

    type: Literal["tool_call"] = "tool_call"
    call_id: str
    name: str
    arguments: dict[str, Any]


class ToolResult(_Event):
    """A tool finished: `summary` is one human line, `data` the tool's typed output (None when it failed)."""

    type: Literal["tool_result"] = "tool_result"
    call_id: str
    name: str
    ok: bool
    summary: str
    data: dict[str, Any] | None = None
    error: str | None = Field(default=None, description="what went wrong, when ok is false")


class Citation(_Event):
    """A knowledge passage the coach used, to show as a source."""

    type: Literal["citation"] = "citation"
    source: str
    title: str
    heading_path: str
    call_id: str | None = None


class ApprovalRequired(_Event):
    """The coach wants to run a tool with effects outside RunCoach; the turn pauses until the athlete decides.

    Answer with `stream(user, thread_id, ApprovalDecision(approval_id=..., approved=True | False))`.
    """

    type: Literal["approval_required"] = "approval_required"
    approval_id: str
    tool: str
    what: str = Field(description="what the tool does, in one line")
    why: str = Field(description="why the coach wants it (its own words, or a default)")
    arguments: dict[str, Any] = Field(description="exactly the arguments it will run with")


class GroundingWarning(_Event):
    """Figures in the answer that no tool result or retrieved text of this turn contains."""

    type: Literal["grounding_warning"] = "grounding_warning"
    figures: list[str]
    message: str


class Usage(BaseModel):
    model_config = ConfigDict(frozen=True)

    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0
    tool_calls: int = 0


class MessageDone(_Event):
    """Last event of a completed turn. The turn is already saved (messages row and checkpoint)."""

    type: Literal["message_done"] = "message_done"
    message_id: int
    text: str
    model: str | None
    usage: Usage


class ErrorEvent(_Event):
    """Last event of a failed turn: `message` says what happened and what the athlete can do."""

    type: Literal["error"] = "error"
    code: str
    message: str
    retryable: bool = False


CoachEvent = Annotated[
    TurnStarted
    | TextDelta
    | ToolCall
    | ToolResult
    | Citation
    | ApprovalRequired
    | GroundingWarning
    | MessageDone
    | ErrorEvent,
    Field(discriminator="type"),
]
CoachEventAdapter: TypeAdapter[CoachEvent] = TypeAdapter(CoachEvent)

#: events after which a turn's stream ends
FINAL_EVENT_TYPES = frozenset({"message_done", "approval_required", "error"})


class ApprovalDecision(BaseModel):
    """The athlete's answer to an `approval_required` event."""

    model_config = ConfigDict(frozen=True)

    approval_id: str
    approved: bool
    note: str | None = Field(default=None, max_length=500, description="optional words for the coach")
