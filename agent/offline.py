"""The offline coach: a deterministic pydantic-ai `FunctionModel` for keyless installs and for tests.

It does what a model would do, by fixed rules: it routes the athlete's message to registered tools *by name*
(a route whose tools are not registered, or whose required arguments it cannot fill from the message, is
skipped), lets the agent run them — side-effect tools go through approval like any other call — and then
writes a plain answer from the tool results alone: every figure it prints is a tool figure, rounded or
converted (m → km, s → h:mm:ss, m/s → pace). With no matching route it searches the knowledge base, and
without that tool it shows the athlete's profile. Every answer says that it is the offline coach and how to
configure a real model. Text is streamed in small chunks, like a model's.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
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
from pydantic_ai.tools import ToolDefinition

__all__ = ["OFFLINE_MODEL_NAME", "offline_model", "route_message"]

OFFLINE_MODEL_NAME = "runcoach-offline"

INTRO = (
    "Offline coach here: no AI model is configured, so this answer is put together by fixed rules from "
    "RunCoach's own tools."
)
FALLBACK_INTRO = (
    "Offline coach here: the configured AI models did not answer just now (the Settings page's model check "
    "says why), so this answer is put together by fixed rules from RunCoach's own tools."
)
HOW_TO_CONFIGURE = (
    "For a real coaching conversation, set GEMINI_API_KEY (or OPENAI_API_KEY, or OPENAI_BASE_URL for a local "
    "Ollama, llama.cpp or vLLM server) and restart RunCoach."
)

# --- reading the message ------------------------------------------------------------------------------

_DISTANCES = (
    (re.compile(r"\bhalf[- ]?marathon\b|\bhalf\b", re.I), 21097.5),
    (re.compile(r"\bmarathon\b", re.I), 42195.0),
    (re.compile(r"\b10 ?k\b", re.I), 10000.0),
    (re.compile(r"\b5 ?k\b", re.I), 5000.0),
)
_KM = re.compile(r"\b(\d+(?:\.\d+)?)\s?(?:km|kilomet(?:er|re)s?)\b", re.I)
_MILES = re.compile(r"\b(\d+(?:\.\d+)?)\s?(?:mi|miles?)\b", re.I)
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\b")
_TODAY = re.compile(r"Today is (\d{4}-\d{2}-\d{2})")
_QUOTED = re.compile(r"[\"“']([^\"”']{2,80})[\"”']")


@dataclass(frozen=True)
class Facts:
    """What the rules can read from a message (and today's date from the instructions)."""

    text: str
    today: date
    distance_m: float | None
    day: date | None
    time_s: int | None
    name: str | None


def _read(text: str, today: date) -> Facts:
    distance = None
    for pattern, metres in _DISTANCES:
        if pattern.search(text):
            distance = metres
            break
    if distance is None and (km := _KM.search(text)):
        distance = float(km.group(1)) * 1000
    if distance is None and (mi := _MILES.search(text)):
        distance = round(float(mi.group(1)) * 1609.344, 1)
    day = None
    if iso := _ISO_DATE.search(text):
        try:
            day = date.fromisoformat(iso.group(1))
        except ValueError:
            day = None
    elif re.search(r"\btomorrow\b", text, re.I):
        day = today + timedelta(days=1)
    elif re.search(r"\btoday\b", text, re.I):
        day = today
    time_s = None
    if clock := _CLOCK.search(text):
        h_or_m, m_or_s, s = clock.groups()
        time_s = int(h_or_m) * 3600 + int(m_or_s) * 60 + int(s) if s else int(h_or_m) * 60 + int(m_or_s)
    name = None
    if quoted := _QUOTED.search(text):
        name = quoted.group(1).strip()
    elif ": " in text:
        after = text.split(": ", 1)[1]
        name = (
            re.split(r"\s+(?:on|for|in|at)\s+\d|\s+on\s+\d{4}-|[.!?]", after, maxsplit=1)[0].strip()[:80]
            or None
        )
    return Facts(text=text, today=today, distance_m=distance, day=day, time_s=time_s, name=name)


Candidates = list[tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class Route:
    """A kind of request: when `pattern` matches the message, try `candidates` (registered tool name,
    arguments) in order; the first tool the turn offers whose required arguments are there is called."""

    name: str
    pattern: re.Pattern[str]
    candidates: Callable[[Facts], Candidates]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _week_ago(f: Facts) -> str:
    return (f.today - timedelta(days=6)).isoformat()


def _id_after(noun: str, text: str) -> int | None:
    match = re.search(rf"\b{noun} (\d+)\b", text)
    return int(match.group(1)) if match else None


def _proactive(trigger: str) -> re.Pattern[str]:
    """A system-started turn of the proactive scheduler (tools/notifications/triggers.py tags them)."""
    return re.compile(rf"^\[proactive:{trigger}\]")


ROUTES: tuple[Route, ...] = (
    # system-started turns first: their text names the trigger, and each goes to the tool that grounds it
    Route(
        "proactive_morning",
        _proactive("morning_readiness"),
        lambda f: [("readiness", {"day": _iso(f.day or f.today)})],
    ),
    Route(
        "proactive_after_run",
        _proactive("after_run"),
        lambda f: [("last_activity", {"activity_id": _id_after("activity", f.text)})],
    ),
    Route(
        "proactive_weekly",
        _proactive("weekly_review"),
        lambda f: [("list_activities", {"since": _week_ago(f), "limit": 20})],
    ),
    Route("proactive_race", _proactive("race_week"), lambda f: [("list_races", {})]),
    Route("proactive_gear", _proactive("gear_threshold"), lambda f: [("list_gear", {})]),
    Route("proactive_missed", _proactive("missed_session"), lambda f: [("get_plan", {})]),
    Route(
        "push_workout",
        re.compile(r"\b(push|send|sync|upload)\b.*\b(workout|session|watch|garmin)\b", re.I),
        lambda f: [
            (
                "push_workout",
                {"date": _iso(f.day or f.today + timedelta(days=1))},
            )
        ],
    ),
    Route(
        "build_plan",
        re.compile(r"\b(build|make|create|generate|write)\b.*\bplan\b|\btraining plan\b", re.I),
        lambda f: [
            (
                "generate_plan",
                {
                    "race_distance_m": f.distance_m or 42195.0,
                    "race_date": _iso(f.day or f.today + timedelta(weeks=16)),
                    "goal_time_s": f.time_s,
                    "days_per_week": 5,
                },
            )
        ],
    ),
    Route(
        "add_race",
        re.compile(r"\b(add|register|signed up|entered)\b.*\brace\b|\brace\b.*\bon \d{4}-", re.I),
        lambda f: [
            (
                "add_race",
                {
                    "name": f.name or "Race",
                    "date": _iso(f.day),
                    "distance_m": f.distance_m,
                    "goal_time_s": f.time_s,
                    "priority": "A",
                },
            ),
            ("list_races", {}),
        ],
    ),
    Route(
        "new_shoes",
        re.compile(r"\b(bought|got|new)\b.*\b(shoes?|trainers|sneakers|gear)\b|\bnew pair\b", re.I),
        lambda f: [
            (
                "add_gear",
                {"name": f.name or "New running shoes", "kind": "shoes"},
            ),
            ("list_gear", {}),
        ],
    ),
    Route(
        "predict",
        re.compile(r"\bpredict|\bprediction|\bhow fast (could|can|will) i\b|\brace time", re.I),
        lambda f: [
            # predictions from the athlete's own recent best efforts, for the distance asked about
            ("race_prediction", {"targets_m": [f.distance_m or 42195.0]}),
        ],
    ),
    Route(
        "last_run",
        re.compile(r"\b(last|latest|previous|yesterday'?s?)\b.*\b(run|activity|workout|race)\b", re.I),
        lambda f: [
            ("last_activity", {}),
            ("list_activities", {"limit": 1}),
        ],
    ),
    Route(
        "this_week",
        re.compile(r"\bthis week\b|\bweekly\b|\blast (7|seven) days\b|\bmy week\b", re.I),
        lambda f: [
            ("list_activities", {"since": _week_ago(f), "limit": 20}),
        ],
    ),
    Route(
        "fitness_trend",
        re.compile(r"\bfitness\b|\btrend\b|\bfatigue\b|\bform\b|\bctl\b|\btraining load\b", re.I),
        lambda f: [("training_load", {"days": 42})],
    ),
    Route(
        "feed",
        re.compile(r"\bfeed\b|\bcomments?\b|\bmy athletes\b", re.I),
        lambda f: [("activity_feed", {"limit": 10})],
    ),
    Route(
        "fitness_metrics",
        re.compile(r"\bvo2 ?max\b|\bmarathon shape\b|\baerobic fitness\b", re.I),
        lambda f: [("fitness_metrics", {})],
    ),
    Route(
        "readiness",
        re.compile(r"\bready\b|\breadiness\b|\bhrv\b|\brecovered\b", re.I),
        lambda f: [("readiness", {"day": f.today.isoformat()})],
    ),
    Route("zones", re.compile(r"\bzones?\b", re.I), lambda f: [("zones", {})]),
    Route(
        "profile",
        re.compile(r"\bwho am i\b|\bmy (profile|settings|account)\b", re.I),
        lambda f: [("whoami", {})],
    ),
)


#: what each route is about, for the answer when no registered tool can serve it
LABELS = {
    "push_workout": "sending workouts to your watch",
    "build_plan": "building training plans",
    "add_race": "adding races",
    "new_shoes": "tracking shoes and gear",
    "predict": "race predictions",
    "last_run": "your recent runs",
    "this_week": "your training week",
    "fitness_trend": "your fitness and fatigue",
    "fitness_metrics": "VO2max and marathon shape",
    "feed": "the activity feed",
    "readiness": "readiness",
    "zones": "your training zones",
    "profile": "your profile",
    "proactive_morning": "readiness",
    "proactive_after_run": "your recent runs",
    "proactive_weekly": "your training week",
    "proactive_race": "your races",
    "proactive_gear": "your gear",
    "proactive_missed": "your training plan",
}


def _fit(tool: ToolDefinition, candidates: dict[str, Any]) -> dict[str, Any] | None:
    """The candidate arguments the tool declares; None when a required one is missing."""
    schema = tool.parameters_json_schema
    properties = schema.get("properties", {})
    args = {k: v for k, v in candidates.items() if k in properties and v is not None}
    if any(required not in args for required in schema.get("required", [])):
        return None
    return args


def route_message(
    text: str, today: date, tools: Sequence[ToolDefinition], *, unmatched_ok: bool = True
) -> tuple[str, str, dict[str, Any]] | None:
    """(route, tool, arguments) for a message, or None when no registered tool fits.

    With `unmatched_ok=False`, a message that matches a route none of whose tools is registered gets None
    instead of the knowledge or profile fallback (the offline coach then says it cannot help with that yet).
    """
    by_name = {tool.name: tool for tool in tools}
    facts = _read(text, today)
    fallbacks: list[tuple[str, Candidates]] = [
        ("knowledge", [("search_knowledge", {"query": text[:300], "limit": 3})]),
        ("profile", [("whoami", {})]),
    ]
    routes: list[tuple[str, Candidates]] = []
    for route in ROUTES:
        if route.pattern.search(text):
            routes.append((route.name, route.candidates(facts)))
    for name, candidates in [*routes, *([] if routes and not unmatched_ok else fallbacks)]:
        for tool_name, raw in candidates:
            tool = by_name.get(tool_name)
            if tool is None:
                continue
            args = _fit(tool, raw)
            if args is not None:
                return name, tool_name, args
    return None


def matched_routes(text: str) -> list[str]:
    """The routes a message matches, in priority order."""
    return [route.name for route in ROUTES if route.pattern.search(text)]


# --- writing the answer -------------------------------------------------------------------------------


def _clock(seconds: float) -> str:
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _label(key: str) -> str:
    for suffix in ("_s_per_km", "_mps", "_m", "_s", "_sec", "_bpm"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
            break
    return key.replace("_", " ").strip().capitalize() or key


def _value(key: str, value: Any) -> str | None:
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if key.endswith("_s_per_km"):
            return f"{_clock(value)} /km"
        if key.endswith("_mps") and value > 0:
            return f"{_clock(1000 / value)} /km"
        if key.endswith(("_s", "_sec")):
            return _clock(value)
        if key.endswith("_m"):
            return f"{value / 1000:.2f} km" if abs(value) >= 1000 else f"{value:.0f} m"
        if isinstance(value, int):
            return str(value)
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    if isinstance(value, str):
        return value if len(value) <= 160 else value[:159] + "…"
    return None


def _one_line(item: dict[str, Any]) -> str:
    parts = []
    for key, value in item.items():
        shown = _value(key, value)
        if shown is not None:
            parts.append(f"{_label(key).lower()} {shown}")
        if len(parts) == 6:
            break
    return ", ".join(parts)


def _facts_lines(data: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for key, value in data.items():
        if key in {"citations", "summary"}:
            continue
        if isinstance(value, dict):
            line = _one_line(value)
            if line:
                lines.append(f"- {_label(key)}: {line}")
        elif isinstance(value, list):
            dicts = [v for v in value if isinstance(v, dict)]
            if dicts:
                lines.append(f"- {_label(key)} ({len(value)}):")
                lines.extend(f"  - {_one_line(v)}" for v in dicts[:5])
            elif value:
                items = [s for s in (_value(key, v) for v in value[:8]) if s]
                lines.append(f"- {_label(key)}: {', '.join(items)}")
        else:
            shown = _value(key, value)
            if shown is not None:
                lines.append(f"- {_label(key)}: {shown}")
        if len(lines) >= 24:
            break
    return lines


def _passages(data: dict[str, Any]) -> list[str]:
    lines = ["From RunCoach's knowledge base:"]
    for passage in (data.get("passages") or [])[:2]:
        body = str(passage.get("text", "")).split("\n\n", 1)[-1].strip()
        if len(body) > 600:
            cut = body[:600]
            body = cut[: cut.rfind(". ") + 1] if ". " in cut else cut + "…"
        lines.append(f"{body}\n(Source: {passage.get('heading_path', passage.get('source', ''))})")
    if len(lines) == 1:
        lines.append("I found nothing on that in the knowledge base.")
    return lines


def compose_answer(
    results: Sequence[tuple[str, Any]], retries: Sequence[tuple[str, str]], *, note: str | None = None
) -> str:
    """The offline answer: tool results as plain lines, failures as one sentence each, how to configure."""
    blocks = [INTRO, *([note] if note else [])]
    for tool, content in results:
        if isinstance(content, str):
            blocks.append(f"I did not run {tool}: {content}")
        elif isinstance(content, dict) and set(content) == {"error", "message"}:
            blocks.append(f"{tool} could not answer: {content['message']}")
        elif isinstance(content, dict) and "passages" in content:
            blocks.append("\n\n".join(_passages(content)))
        elif isinstance(content, dict):
            lines = _facts_lines(content)
            if isinstance(content.get("summary"), str):
                lines.insert(0, content["summary"])
            blocks.append(
                "\n".join([f"From {tool}:", *lines]) if lines else f"{tool} returned nothing to show."
            )
        else:
            blocks.append(f"{tool} returned: {json.dumps(content, default=str)[:300]}")
    for tool, message in retries:
        blocks.append(f"I could not run {tool}: {message}")
    if len(blocks) == 1:
        blocks.append("I have no tool that answers that yet.")
    blocks.append(HOW_TO_CONFIGURE)
    return "\n\n".join(blocks)


# --- the model ----------------------------------------------------------------------------------------


def _today(info: AgentInfo) -> date:
    match = _TODAY.search(info.instructions or "")
    return date.fromisoformat(match.group(1)) if match else date.today()


def _decide(messages: list[ModelMessage], info: AgentInfo) -> list[ToolCallPart] | str:
    last = messages[-1] if messages else None
    if not isinstance(last, ModelRequest):
        return compose_answer([], [])
    prompt = next((p for p in reversed(last.parts) if isinstance(p, UserPromptPart)), None)
    if prompt is not None:
        text = prompt.content if isinstance(prompt.content, str) else " ".join(str(c) for c in prompt.content)
        routed = route_message(text, _today(info), info.function_tools, unmatched_ok=False)
        if routed is None:
            topics = [LABELS.get(name, name) for name in matched_routes(text)]
            missing = (
                f"I cannot help with {topics[0]} yet: this RunCoach has no tool for it installed."
                if topics
                else "I have no tool that answers that yet."
            )
            return compose_answer([], [], note=missing)
        _, tool, args = routed
        return [ToolCallPart(tool_name=tool, args=args, tool_call_id=f"offline-{uuid.uuid4().hex[:12]}")]
    # results of this turn: every tool return and retry since the athlete's last message
    results: list[tuple[str, Any]] = []
    retries: list[tuple[str, str]] = []
    for message in reversed(messages):
        if isinstance(message, ModelRequest):
            if any(isinstance(p, UserPromptPart) for p in message.parts):
                break
            for part in message.parts:
                if isinstance(part, ToolReturnPart) and getattr(part, "outcome", "success") == "retried":
                    content = (
                        part.content if isinstance(part.content, str) else "its arguments were not valid"
                    )
                    retries.insert(0, (part.tool_name, content.splitlines()[0] if content else content))
                elif isinstance(part, ToolReturnPart):
                    results.insert(0, (part.tool_name, part.content))
                elif isinstance(part, RetryPromptPart) and part.tool_name:
                    content = (
                        part.content if isinstance(part.content, str) else "its arguments were not valid"
                    )
                    retries.insert(0, (part.tool_name, content.splitlines()[0]))
    return compose_answer(results, retries)


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


def _respond(intro: str) -> tuple[Any, Any]:
    """The model's request functions (plain and streamed), with `intro` opening a text answer."""

    def decide(messages: list[ModelMessage], info: AgentInfo) -> str | list[ToolCallPart]:
        decision = _decide(messages, info)
        return decision.replace(INTRO, intro, 1) if isinstance(decision, str) else decision

    def respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        decision = decide(messages, info)
        if isinstance(decision, str):
            return ModelResponse(parts=[TextPart(content=decision)], model_name=OFFLINE_MODEL_NAME)
        return ModelResponse(parts=list(decision), model_name=OFFLINE_MODEL_NAME)

    async def stream(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[str | DeltaToolCalls]:
        decision = decide(messages, info)
        if isinstance(decision, str):
            for chunk in _chunks(decision):
                yield chunk
            return
        yield {
            i: DeltaToolCall(
                name=call.tool_name, json_args=call.args_as_json_str(), tool_call_id=call.tool_call_id
            )
            for i, call in enumerate(decision)
        }

    return respond, stream


offline_respond, offline_stream = _respond(INTRO)


def offline_model(*, fallback: bool = False) -> FunctionModel:
    """The offline coach as a pydantic-ai model (streamed and non-streamed). `fallback`: it answers because
    every configured model failed this turn, and says so instead of "no AI model is configured"."""
    respond, stream = _respond(FALLBACK_INTRO if fallback else INTRO)
    return FunctionModel(respond, stream_function=stream, model_name=OFFLINE_MODEL_NAME)
