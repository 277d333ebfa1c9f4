"""The offline coach as a pydantic-ai `FunctionModel`.

Each model step sees the whole history. The coach reads this turn's message (the last user prompt),
understands it (`intents`), and asks its plan (`plans`) for the calls still needed given this turn's tool
results; several calls go out in one step. When nothing is left, it writes the answer (`answers`,
`coaching`, `proactive`) from those results alone, and ends with one line saying it is the offline coach.
Side-effect tools go through the agent's approval gate like any model's calls. Text is streamed in small
chunks, like a model's.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel

from agent.offline.answers import ACTIVITY_ANSWERS
from agent.offline.coaching import COACH_ANSWERS, not_understood, results_summary
from agent.offline.intents import Intent, understand
from agent.offline.plans import PROPOSALS, next_calls
from agent.offline.proactive import PROACTIVE_ANSWERS
from agent.offline.turn import Fmt, Result, Turn

__all__ = [
    "FALLBACK_INTRO",
    "INTRO",
    "OFFLINE_MODEL_NAME",
    "offline_model",
    "offline_respond",
    "offline_stream",
]

OFFLINE_MODEL_NAME = "runcoach-offline"
INTRO = (
    "_Offline coach: no AI model is configured, so I answer by fixed rules from RunCoach's own tools. "
    "For a real conversation set GEMINI_API_KEY (or OPENAI_API_KEY, or OPENAI_BASE_URL for a local server)._"
)
FALLBACK_INTRO = (
    "_Offline coach: the configured AI models did not answer just now (the Settings page's model check says "
    "why), so I answer by fixed rules from RunCoach's own tools._"
)
MAX_STEPS = 4
_TODAY = re.compile(r"Today is (\d{4}-\d{2}-\d{2})")
ANSWERS = {**ACTIVITY_ANSWERS, **COACH_ANSWERS, **PROACTIVE_ANSWERS}


def _today(info: AgentInfo) -> date:
    match = _TODAY.search(info.instructions or "")
    return date.fromisoformat(match.group(1)) if match else date.today()


def _units(info: AgentInfo) -> Fmt:
    text = info.instructions or ""
    return Fmt(imperial='"units":"imperial"' in text)


def _text(part: UserPromptPart) -> str:
    return part.content if isinstance(part.content, str) else " ".join(str(c) for c in part.content)


def read_turn(messages: list[ModelMessage]) -> tuple[str | None, Turn, int]:
    """This turn's message, its tool results (in call order) and how many model steps it has had."""
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    turn = Turn()
    steps = 0
    prompt: str | None = None
    start = 0
    for n, message in enumerate(messages):
        if isinstance(message, ModelRequest) and any(isinstance(p, UserPromptPart) for p in message.parts):
            start = n
    for message in messages[start:]:
        if isinstance(message, ModelResponse):
            steps += 1
            for call in message.parts:
                if isinstance(call, ToolCallPart):
                    calls[call.tool_call_id] = (call.tool_name, call.args_as_dict())
        elif isinstance(message, ModelRequest):
            for part in message.parts:
                if isinstance(part, UserPromptPart):
                    prompt = _text(part)
                elif isinstance(part, ToolReturnPart):
                    tool, args = calls.get(part.tool_call_id, (part.tool_name, {}))
                    content = part.content
                    if isinstance(content, str):
                        try:
                            content = json.loads(content)
                        except ValueError:
                            content = {"error": "not_run", "message": content}
                    turn.results.append(Result(tool, args, content))
                elif isinstance(part, RetryPromptPart) and part.tool_name:
                    text = part.content if isinstance(part.content, str) else "its arguments were not valid"
                    turn.retries.append((part.tool_name, text.splitlines()[0] if text else text))
    return prompt, turn, steps


def compose(intent: Intent, turn: Turn, fmt: Fmt) -> str:
    writer = ANSWERS.get(intent.name)
    if writer is None and turn.results:
        body = results_summary(turn)  # e.g. a turn resumed after an approval of a call it did not plan
        writer = ANSWERS["profile"]
    else:
        body = not_understood(intent) if writer is None else writer(intent, turn, fmt)
    failures = [
        f"({r.tool} could not answer: {r.error})" for r in turn.results if not r.ok and writer is not None
    ]
    failures = [x for x in failures if "get_plan" not in x and x.split(": ", 1)[-1].rstrip(")") not in body]
    retries = [f"(I could not run {tool}: {why})" for tool, why in turn.retries]
    return "\n\n".join([body, *failures, *retries, INTRO])


def decide(messages: list[ModelMessage], info: AgentInfo) -> list[TextPart | ToolCallPart] | str:
    """The next step: tool calls, or the answer. A proposal (`PROPOSALS`) goes out with the answer so far
    written beside it: that text is what the athlete reads when asked to approve or keep."""
    prompt, turn, steps = read_turn(messages)
    if prompt is None:
        return not_understood(Intent("unknown", "", _today(info))) + "\n\n" + INTRO
    intent = understand(prompt, _today(info))
    offered = {tool.name for tool in info.function_tools}
    calls = next_calls(intent, turn, offered) if steps < MAX_STEPS else []
    if calls:
        parts: list[TextPart | ToolCallPart] = [
            ToolCallPart(tool_name=tool, args=args, tool_call_id=f"offline-{uuid.uuid4().hex[:12]}")
            for tool, args in calls
        ]
        if any(tool in PROPOSALS for tool, _ in calls):
            parts.insert(0, TextPart(content=compose(intent, turn, _units(info))))
        return parts
    return compose(intent, turn, _units(info))


def _chunks(text: str, size: int = 24) -> list[str]:
    pieces = re.findall(r"\S+\s*|\s+", text)
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        current += piece
        if len(current) >= size:
            chunks.append(current)
            current = ""
    if current:
        chunks.append(current)
    return chunks or [""]


def _functions(intro: str) -> tuple[Any, Any]:
    """The model's request functions (plain and streamed), with `intro` as the line that says what it is."""

    def decide_with(messages: list[ModelMessage], info: AgentInfo) -> list[TextPart | ToolCallPart] | str:
        decision = decide(messages, info)
        if isinstance(decision, str):
            return decision.replace(INTRO, intro)
        return [
            TextPart(content=p.content.replace(INTRO, intro)) if isinstance(p, TextPart) else p
            for p in decision
        ]

    def respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        decision = decide_with(messages, info)
        if isinstance(decision, str):
            return ModelResponse(parts=[TextPart(content=decision)], model_name=OFFLINE_MODEL_NAME)
        return ModelResponse(parts=list(decision), model_name=OFFLINE_MODEL_NAME)

    async def stream(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        decision = decide_with(messages, info)
        if isinstance(decision, str):
            for chunk in _chunks(decision):
                yield chunk
            return
        for part in decision:
            if isinstance(part, TextPart):
                for chunk in _chunks(part.content):
                    yield chunk
        yield {
            i: DeltaToolCall(
                name=call.tool_name, json_args=call.args_as_json_str(), tool_call_id=call.tool_call_id
            )
            for i, call in enumerate(p for p in decision if isinstance(p, ToolCallPart))
        }

    return respond, stream


offline_respond, offline_stream = _functions(INTRO)


def offline_model(*, fallback: bool = False) -> FunctionModel:
    """The offline coach as a pydantic-ai model (streamed and non-streamed). `fallback`: it answers because
    every configured model failed this turn, and says so instead of "no AI model is configured"."""
    respond, stream = _functions(FALLBACK_INTRO) if fallback else (offline_respond, offline_stream)
    return FunctionModel(respond, stream_function=stream, model_name=OFFLINE_MODEL_NAME)
