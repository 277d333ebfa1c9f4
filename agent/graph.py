"""The coaching graph (LangGraph), checkpointed per thread in PostgreSQL.

    START → load_context → coach ─┬─→ report → END
                             ↑     └─→ approval → act ─┐   (approval: interrupt, one call at a time)
                             └─────────────────────────┘

- `load_context`: the athlete's profile, zones, load, readiness, next race and last 7 days, through the
  registry.
- `coach`: one pydantic-ai run (`agent.coach.run_coach`). It ends with text, or with side-effect tool calls
  the athlete must approve (pydantic-ai deferred tools, `requires_approval=True`), which go to `pending`.
- `approval`: `interrupt()` per pending call; the stream ends with `approval_required`. The answer comes back
  as `Command(resume={approval_id, approved, note[, new_message]})`. The node only records decisions, so
  re-running it on resume (LangGraph replays a node from its start) is harmless.
- `act`: runs each approved call once, with exactly the approved arguments, and stores its result in the
  state, so the side effect is in the checkpoint as soon as it happened. The next `coach` run receives the
  results as deferred-call results and declined calls as `ToolDenied`: the agent itself never executes a side
  effect.
- `report`: the grounding check (figures not found in the turn's evidence → one repair round by a real model,
  then `grounding_warning` for what is still not found).

Nodes emit `CoachEvent`s through the run's `TurnContext.emit` (the turn's stream reads them as they come);
the graph itself streams only its "updates" (the outcome, the interrupts).
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic_ai import DeferredToolResults, ToolDenied
from pydantic_ai.exceptions import (
    FallbackExceptionGroup,
    ModelAPIError,
    ModelAuthenticationError,
    ModelHTTPError,
    UnexpectedModelBehavior,
    UsageLimitExceeded,
)
from pydantic_ai.messages import repair_messages

from agent.coach import run_coach, trim_history
from agent.context import load_context
from agent.deps import CoachDeps
from agent.events import GroundingWarning
from agent.grounding import ungrounded_figures
from agent.repair import repair
from agent.state import CoachState, TurnContext, dump_messages, load_messages
from agent.toolkit import execute_approved
from core.errors import CoachError

log = logging.getLogger(__name__)

__all__ = ["build_graph", "describe_error"]


async def load_context_node(state: CoachState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    context = await load_context(runtime.context.tools, runtime.context.specs)
    return {"context": context, "sources": [*state.get("sources", []), context]}


def _deferred(decisions: list[dict[str, Any]], acted: dict[str, Any]) -> DeferredToolResults | None:
    if not decisions:
        return None
    results = DeferredToolResults()
    for decision in decisions:
        call_id = decision["approval_id"]
        if decision.get("approved") and call_id in acted:
            results.calls[call_id] = acted[call_id]
        else:
            note = decision.get("note")
            results.approvals[call_id] = ToolDenied(
                "The athlete declined this action" + (f": {note}" if note else ".") + " Do not retry it."
            )
    return results


async def coach_node(state: CoachState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    rt = runtime.context
    acted = state.get("acted") or {}
    deps = CoachDeps(tools=rt.tools, emit=rt.emit, reported=set(acted))
    deferred = _deferred(state.get("decisions") or [], acted)
    prompt = state.get("prompt")
    history = trim_history(load_messages(state.get("messages") or []), rt.history_messages)
    if deferred is None and prompt is not None:
        history = repair_messages(history)  # close out calls an earlier failed turn left unanswered
    outcome = dict(state.get("outcome") or {})
    try:
        run = await run_coach(
            model=rt.model,
            deps=deps,
            prompt=prompt,
            history=history,
            context=state.get("context") or {},
            deferred=deferred,
            specs=rt.specs,
            max_requests=rt.max_requests,
        )
    except Exception as exc:  # every failure becomes an error event; the stream never ends in a traceback
        outcome["error"] = describe_error(exc)
        return {
            "outcome": outcome,
            "pending": [],
            "decisions": [],
            "prompt": None,
            "sources": [*state.get("sources", []), *deps.sources],
        }
    usage = outcome.get("usage") or {}
    outcome["usage"] = {
        key: int(usage.get(key, 0)) + int(getattr(run.usage, key))
        for key in ("input_tokens", "output_tokens", "requests", "tool_calls")
    }
    outcome["model"] = run.model or outcome.get("model")
    return {
        "messages": dump_messages(run.new_messages),
        "pending": [approval.as_dict() for approval in run.approvals],
        "decisions": [],
        "prompt": None,
        "answer": (state.get("answer") or "") + run.text,
        "outcome": outcome,
        "sources": [*state.get("sources", []), *deps.sources],
    }


def after_coach(state: CoachState) -> Literal["approval", "report"]:
    if (state.get("outcome") or {}).get("error"):
        return "report"
    return "approval" if state.get("pending") else "report"


def approval_node(state: CoachState) -> dict[str, Any]:
    decisions: list[dict[str, Any]] = []
    new_message: str | None = None
    for pending in state.get("pending") or []:
        if new_message is not None:
            decisions.append(
                {
                    "approval_id": pending["approval_id"],
                    "tool": pending["tool"],
                    "arguments": pending["arguments"],
                    "approved": False,
                    "note": "the athlete moved on",
                }
            )
            continue
        answer = interrupt(pending)
        valid = isinstance(answer, dict) and answer.get("approval_id") == pending["approval_id"]
        decisions.append(
            {
                "approval_id": pending["approval_id"],
                "tool": pending["tool"],
                "arguments": pending["arguments"],
                "approved": bool(valid and answer.get("approved") is True),
                "note": answer.get("note") if valid else "no valid answer",
            }
        )
        if valid and answer.get("new_message"):
            new_message = str(answer["new_message"])
    update: dict[str, Any] = {"decisions": decisions, "pending": []}
    if new_message is not None:
        update["prompt"] = new_message
        update["sources"] = [*state.get("sources", []), new_message]
    return update


async def act_node(state: CoachState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    rt = runtime.context
    deps = CoachDeps(tools=rt.tools, emit=rt.emit)
    specs = {spec.name: spec for spec in rt.specs}
    acted = dict(state.get("acted") or {})
    for decision in state.get("decisions") or []:
        call_id = decision["approval_id"]
        if not decision.get("approved") or call_id in acted:
            continue
        spec = specs.get(decision["tool"])
        if spec is None:
            acted[call_id] = {
                "error": "not_found",
                "message": f"The tool {decision['tool']} is not available.",
            }
            continue
        acted[call_id] = await execute_approved(spec, deps, call_id, decision.get("arguments") or {})
    return {"acted": acted, "sources": [*state.get("sources", []), *deps.sources]}


async def report_node(state: CoachState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """The grounding check; for a real model's answer with untraceable figures, one repair round first (not
    after approvals: the earlier part of such an answer is already with the athlete)."""
    outcome = dict(state.get("outcome") or {})
    if outcome.get("error"):
        return {"outcome": outcome}
    answer = state.get("answer") or ""
    sources = state.get("sources") or []
    flagged = ungrounded_figures(answer, sources)
    if flagged and not state.get("decisions") and not state.get("acted"):
        fixed = await repair(runtime.context.model, answer, flagged, sources)
        if fixed is not None:
            outcome["repaired"] = {"text": fixed.text, "figures": flagged}
            usage = dict(outcome.get("usage") or {})
            usage["input_tokens"] = int(usage.get("input_tokens", 0)) + fixed.input_tokens
            usage["output_tokens"] = int(usage.get("output_tokens", 0)) + fixed.output_tokens
            usage["requests"] = int(usage.get("requests", 0)) + 1
            outcome["usage"] = usage
            flagged = ungrounded_figures(fixed.text, sources)
    outcome["ungrounded"] = flagged
    if flagged:
        runtime.context.emit(
            GroundingWarning(
                figures=flagged,
                message="These figures are not in any tool result or retrieved text of this answer; "
                "treat them with care.",
            )
        )
    return {"outcome": outcome}


def build_graph(checkpointer: BaseCheckpointSaver[Any] | None) -> CompiledStateGraph[Any, Any, Any, Any]:
    builder: StateGraph[Any, Any, Any, Any] = StateGraph(CoachState, context_schema=TurnContext)
    builder.add_node("load_context", load_context_node)
    builder.add_node("coach", coach_node)
    builder.add_node("approval", approval_node)
    builder.add_node("act", act_node)
    builder.add_node("report", report_node)
    builder.add_edge(START, "load_context")
    builder.add_edge("load_context", "coach")
    builder.add_conditional_edges("coach", after_coach, ["approval", "report"])
    builder.add_edge("approval", "act")
    builder.add_edge("act", "coach")
    builder.add_edge("report", END)
    return builder.compile(checkpointer=checkpointer, name="runcoach-coach")


# --- errors -------------------------------------------------------------------------------------------

_CONFIGURE = "check GEMINI_API_KEY / OPENAI_API_KEY / OPENAI_BASE_URL, or set RUNCOACH_LLM_PROVIDER=offline"


def describe_error(exc: BaseException) -> dict[str, Any]:
    """An `error` event's fields for what went wrong in a coach run: what happened and what to do."""
    if isinstance(exc, CoachError):
        return {"code": exc.code, "message": exc.message, "retryable": exc.retryable}
    if isinstance(exc, FallbackExceptionGroup):
        reasons = "; ".join(f"{type(e).__name__}: {e}"[:160] for e in exc.exceptions)
        log.warning("every model failed: %s", reasons)
        return {
            "code": "model_unavailable",
            "message": "No AI model answered ("
            + reasons
            + "). Try again in a minute; if it keeps failing, "
            + _CONFIGURE
            + ".",
            "retryable": True,
        }
    if isinstance(exc, ModelAuthenticationError):
        return {
            "code": "model_auth",
            "message": f"The model provider refused the API key ({exc}). Fix the key: {_CONFIGURE}.",
            "retryable": False,
        }
    if isinstance(exc, ModelHTTPError) and exc.status_code == 404:
        log.warning("model not found: %s", exc)
        return {
            "code": "model_not_found",
            "message": f"The provider does not serve the model {exc.model_name} (HTTP 404): it may have "
            "been retired. The Settings page's model check names a current one; set it with "
            "RUNCOACH_GEMINI_MODEL, RUNCOACH_OPENAI_MODEL or RUNCOACH_OPENAI_COMPATIBLE_MODEL.",
            "retryable": False,
        }
    if isinstance(exc, ModelAPIError):
        log.warning("model failed: %s", exc)
        return {
            "code": "model_unavailable",
            "message": f"The AI model did not answer ({type(exc).__name__}: {exc}). Try again in a minute; "
            f"if it keeps failing, {_CONFIGURE}.",
            "retryable": True,
        }
    if isinstance(exc, UsageLimitExceeded):
        return {
            "code": "too_many_steps",
            "message": "The coach needed more steps than one answer may take. Ask a narrower question.",
            "retryable": False,
        }
    if isinstance(exc, UnexpectedModelBehavior):
        log.warning("model misbehaved: %s", exc)
        return {
            "code": "model_error",
            "message": "The AI model returned something the coach could not use "
            f"({str(exc)[:200]}). Ask again, perhaps in other words; if it keeps happening, choose another "
            "model (RUNCOACH_GEMINI_MODEL, RUNCOACH_OPENAI_MODEL or RUNCOACH_LLM_PROVIDER).",
            "retryable": True,
        }
    log.exception("coach run failed", exc_info=exc)
    return {
        "code": "internal",
        "message": "Something went wrong on our side while answering. Try again; if it keeps happening, "
        "the details are in the server log.",
        "retryable": True,
    }
