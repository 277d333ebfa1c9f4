"""The coach itself: a pydantic-ai agent over every registered tool, and one run of it as typed events.

`run_coach` is what the graph's coach node calls (and what the latency bench calls bare, without the graph).
It streams pydantic-ai's events into `CoachEvent`s through `deps.emit`: text deltas (the first chunk arrives
in `PartStartEvent`, the rest in `PartDeltaEvent`), tool calls, and results that the tool wrapper did not
report itself (arguments the model got wrong, declined calls). A run ends with either text or the side-effect
calls it is waiting to have approved (`DeferredToolRequests`); side-effect calls are announced as
`approval_required` by the stream and, once approved, run and reported by the graph's act node.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic_ai import Agent, DeferredToolRequests, DeferredToolResults, RunContext, UsageLimits
from pydantic_ai.messages import (
    AgentStreamEvent,
    FunctionToolCallEvent,
    FunctionToolResultEvent,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    PartDeltaEvent,
    PartStartEvent,
    RetryPromptPart,
    TextPart,
    TextPartDelta,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models import Model

from agent.deps import CoachDeps
from agent.events import TextDelta, ToolCall, ToolResult, Usage
from agent.prompts import coach_instructions
from agent.toolkit import PreparedTools, build_tools
from tools.registry import ToolSpec, all_tools

__all__ = ["CoachRun", "PendingApproval", "coach_agent", "run_coach", "trim_history"]

_agents: dict[tuple[tuple[str, Any], ...], Agent[CoachDeps, str | DeferredToolRequests]] = {}


def coach_agent(specs: Sequence[ToolSpec] | None = None) -> Agent[CoachDeps, str | DeferredToolRequests]:
    """The agent over `specs` (default: every registered tool), cached per set of tools."""
    specs = list(specs) if specs is not None else all_tools()
    key = tuple((spec.name, spec.fn) for spec in specs)
    agent = _agents.get(key)
    if agent is None:
        agent = Agent(
            deps_type=CoachDeps,
            output_type=[str, DeferredToolRequests],
            toolsets=[PreparedTools(build_tools(specs), max_retries=1)],
            retries=1,
            name="runcoach",
        )
        _agents[key] = agent
    return agent


@dataclass(frozen=True)
class PendingApproval:
    approval_id: str
    tool: str
    what: str
    why: str
    arguments: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "approval_id": self.approval_id,
            "tool": self.tool,
            "what": self.what,
            "why": self.why,
            "arguments": self.arguments,
        }


@dataclass
class CoachRun:
    new_messages: list[ModelMessage]
    text: str
    approvals: list[PendingApproval]
    usage: Usage
    model: str | None
    texts: list[str] = field(default_factory=list)


def trim_history(messages: list[ModelMessage], keep: int) -> list[ModelMessage]:
    """The last ~`keep` messages, cut where an athlete's message starts (never between a call and its
    result)."""
    if len(messages) <= keep:
        return messages
    starts = [
        i
        for i, message in enumerate(messages)
        if isinstance(message, ModelRequest) and any(isinstance(p, UserPromptPart) for p in message.parts)
    ]
    inside = [i for i in starts if i >= len(messages) - keep]
    if inside:
        return messages[inside[0] :]
    return messages[starts[-1] :] if starts else messages


def _arguments(part: ToolCallPart) -> dict[str, Any]:
    try:
        args = part.args_as_dict()
    except (ValueError, TypeError, json.JSONDecodeError):
        return {"_raw": str(part.args)[:2000]}
    return args if isinstance(args, dict) else {"_raw": args}


def _first_line(text: str) -> str:
    return text.strip().split("\n\n")[0].replace("\n", " ")


async def run_coach(
    *,
    model: Model,
    deps: CoachDeps,
    prompt: str | None,
    history: list[ModelMessage],
    context: dict[str, Any],
    deferred: DeferredToolResults | None = None,
    specs: Sequence[ToolSpec] | None = None,
    max_requests: int = 8,
) -> CoachRun:
    """One agent run: stream its events into `deps.emit` and return what the graph needs to keep."""
    specs = list(specs) if specs is not None else all_tools()
    agent = coach_agent(specs)
    side_effect = {spec.name for spec in specs if spec.side_effect}
    described = {spec.name: _first_line(spec.description) for spec in specs}
    texts: list[str] = []

    async def on_events(ctx: RunContext[CoachDeps], events: AsyncIterable[AgentStreamEvent]) -> None:
        async for event in events:
            if isinstance(event, PartStartEvent) and isinstance(event.part, TextPart):
                if event.part.content:
                    texts.append(event.part.content)
                    deps.emit(TextDelta(text=event.part.content))
            elif isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta):
                if event.delta.content_delta:
                    texts.append(event.delta.content_delta)
                    deps.emit(TextDelta(text=event.delta.content_delta))
            elif isinstance(event, FunctionToolCallEvent):
                part = event.part
                if part.tool_name in side_effect:
                    continue  # announced as approval_required; if approved, the act node reports the call
                deps.emit(
                    ToolCall(call_id=part.tool_call_id, name=part.tool_name, arguments=_arguments(part))
                )
            elif isinstance(event, FunctionToolResultEvent):
                result = event.part
                if result.tool_call_id in deps.reported:
                    continue
                deps.reported.add(result.tool_call_id)
                if isinstance(result, RetryPromptPart):
                    message = (
                        result.model_response() if not isinstance(result.content, str) else result.content
                    )
                    deps.emit(
                        ToolResult(
                            call_id=result.tool_call_id,
                            name=result.tool_name or "?",
                            ok=False,
                            summary=f"{result.tool_name}: the arguments were rejected; the coach may retry",
                            error=_first_line(message)[:300],
                        )
                    )
                elif isinstance(result, ToolReturnPart):
                    outcome = getattr(result, "outcome", "success")
                    if outcome == "success":
                        deps.emit(
                            ToolResult(
                                call_id=result.tool_call_id,
                                name=result.tool_name,
                                ok=True,
                                summary=result.tool_name,
                            )
                        )
                        continue
                    detail = (
                        result.content
                        if isinstance(result.content, str)
                        else json.dumps(result.content, default=str)
                    )
                    summary = {
                        "retried": "the arguments were rejected; the coach may retry",
                        "denied": "not run: the athlete declined",
                        "interrupted": "interrupted before it finished",
                    }.get(outcome, "failed")
                    deps.emit(
                        ToolResult(
                            call_id=result.tool_call_id,
                            name=result.tool_name,
                            ok=False,
                            summary=f"{result.tool_name}: {summary}",
                            error=_first_line(detail)[:300],
                        )
                    )

    instructions = coach_instructions(
        context, today=deps.tools.today.isoformat(), units=deps.tools.user.units or "metric"
    )
    result = await agent.run(
        prompt,
        message_history=history,
        deferred_tool_results=deferred,
        model=model,
        deps=deps,
        instructions=instructions,
        usage_limits=UsageLimits(request_limit=max_requests),
        event_stream_handler=on_events,
    )
    new_messages = result.new_messages()
    usage = result.usage
    model_name = next(
        (m.model_name for m in reversed(new_messages) if isinstance(m, ModelResponse) and m.model_name), None
    )
    approvals: list[PendingApproval] = []
    if isinstance(result.output, DeferredToolRequests):
        for call in result.output.approvals:
            approvals.append(
                PendingApproval(
                    approval_id=call.tool_call_id,
                    tool=call.tool_name,
                    what=described.get(call.tool_name, call.tool_name),
                    why=_why(new_messages, call) or f"The coach wants to run {call.tool_name} for you.",
                    arguments=_arguments(call),
                )
            )
    return CoachRun(
        new_messages=new_messages,
        text="".join(texts),
        approvals=approvals,
        usage=Usage(
            input_tokens=usage.input_tokens or 0,
            output_tokens=usage.output_tokens or 0,
            requests=usage.requests or 0,
            tool_calls=usage.tool_calls or 0,
        ),
        model=model_name,
        texts=texts,
    )


def _why(messages: list[ModelMessage], call: ToolCallPart) -> str | None:
    """The text the model wrote in the response that asked for `call` (its reason), if any."""
    for message in reversed(messages):
        if isinstance(message, ModelResponse) and any(
            isinstance(p, ToolCallPart) and p.tool_call_id == call.tool_call_id for p in message.parts
        ):
            text = " ".join(p.content for p in message.parts if isinstance(p, TextPart)).strip()
            return text[:500] or None
    return None
