"""Registry tools as pydantic-ai tools: one generic wrapper built from each `ToolSpec`.

The wrapper gives the model the tool's input model as its parameters and its docstring as its description,
runs the tool with the turn's `ToolDeps` (identity from the session, never from the model), and turns every
failure into something the model and the athlete can read:

- `InvalidInput` (and `ModelRetry` raised by the tool) → a retry prompt, so the model can correct its
  arguments;
- any other `CoachError` → a `tool_result` event with `ok=false` and the error's message, returned to the
  model;
- anything unexpected → logged with its traceback, reported the same way; the stream goes on.

Each call runs inside a savepoint, so a failed tool leaves the session usable, and under the turn's lock,
because tools share one database session. Side-effect tools are marked `requires_approval`: the agent never
runs them itself. The graph's act node runs an approved call (`execute_approved`) and hands the result back to
the agent as a deferred-call result, so the side effect is checkpointed the moment it happened, before the
model goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from pydantic_ai import FunctionToolset, ModelRetry, RunContext, Tool
from pydantic_ai.toolsets import ToolsetTool

from agent.deps import CoachDeps
from agent.events import Citation, ToolCall, ToolResult
from core.errors import CoachError, InvalidInput
from tools.registry import ToolSpec, parse_args

log = logging.getLogger(__name__)

__all__ = ["PreparedTools", "build_tools", "citations_of", "execute", "execute_approved", "summarize"]

_cache: dict[tuple[str, Any], Tool[CoachDeps]] = {}


class PreparedTools(FunctionToolset[CoachDeps]):
    """Registry tools as one pydantic-ai toolset whose definitions are prepared once, not on every step.

    pydantic-ai's `FunctionToolset` rebuilds each tool's definition on every model step (a copy of the run
    context per tool, then the tool: ~40 `dataclasses.replace` per step with 40 tools). Ours have no
    `prepare` function and one fixed retry budget, so what it builds depends on nothing in the step: it is
    built on the first step and handed out as is afterwards (a new dict each time; the tools are frozen), with
    no return schema, which pydantic-ai would otherwise clear tool by tool before each request."""

    def __init__(self, tools: list[Tool[CoachDeps]], *, max_retries: int) -> None:
        if any(tool.prepare is not None for tool in tools):
            raise ValueError("PreparedTools caches tool definitions: no tool may have a prepare function")
        super().__init__(tools, max_retries=max_retries)
        self._prepared: dict[str, ToolsetTool[CoachDeps]] | None = None

    async def get_tools(self, ctx: RunContext[CoachDeps]) -> dict[str, ToolsetTool[CoachDeps]]:
        if self._prepared is None:
            # without a return schema: pydantic-ai clears a tool's return schema before every request (the
            # model is not sent one unless the tool opts in, and ours do not), one copy per tool per request
            self._prepared = {
                name: replace(tool, tool_def=replace(tool.tool_def, return_schema=None))
                for name, tool in (await super().get_tools(ctx)).items()
            }
        return dict(self._prepared)


def build_tools(specs: Iterable[ToolSpec]) -> list[Tool[CoachDeps]]:
    """A pydantic-ai tool per registry tool (cached per spec, so new registrations are picked up)."""
    tools = []
    for spec in specs:
        key = (spec.name, spec.fn)
        if key not in _cache:
            _cache[key] = _wrap(spec)
        tools.append(_cache[key])
    return tools


def _wrap(spec: ToolSpec) -> Tool[CoachDeps]:
    async def run(ctx: RunContext[CoachDeps], args: BaseModel) -> dict[str, Any]:
        call_id = ctx.tool_call_id or ""
        if spec.side_effect:  # never reached: approved calls run in the graph's act node, not here
            return _failed(
                ctx.deps, spec, call_id, "approval_missing", "This action needs the athlete's approval."
            )
        return await execute(spec, ctx.deps, call_id, args)

    run.__name__ = spec.name
    run.__annotations__ = {"ctx": RunContext[CoachDeps], "args": spec.input_model, "return": dict[str, Any]}
    return Tool(
        run,
        name=spec.name,
        description=spec.description,
        takes_ctx=True,
        requires_approval=spec.side_effect,
        metadata={"side_effect": spec.side_effect},
    )


async def execute(spec: ToolSpec, deps: CoachDeps, call_id: str, args: BaseModel) -> dict[str, Any]:
    """Run one tool for the coach: in a savepoint, one at a time, every outcome reported as an event.

    Returns the tool's output as JSON, or `{"error": code, "message": ...}` for a failure the model should
    read. `InvalidInput` and `ModelRetry` are re-raised as `ModelRetry` so the model can fix its arguments.
    """
    async with deps.lock:
        deps.tools.for_model = True  # its result goes to the model (see `tools.activities.visibility`)
        deps.tools.clients["tool_call_id"] = call_id  # an idempotency key for tools with outside effects
        try:
            async with deps.tools.session.begin_nested():
                output = await spec.run(deps.tools, args)
        except InvalidInput as exc:
            _failed(deps, spec, call_id, exc.code, exc.message)
            raise ModelRetry(exc.message) from exc
        except ModelRetry as exc:
            _failed(deps, spec, call_id, "invalid_input", str(exc))
            raise
        except CoachError as exc:
            return _failed(deps, spec, call_id, exc.code, exc.message)
        except Exception:
            log.exception("tool %s failed", spec.name)
            return _failed(
                deps,
                spec,
                call_id,
                "tool_failed",
                f"{spec.name} failed unexpectedly; the error is in the server log. Try again later.",
            )
    data = output.model_dump(mode="json")
    deps.sources.append(data)
    deps.reported.add(call_id)
    deps.emit(
        ToolResult(call_id=call_id, name=spec.name, ok=True, summary=summarize(spec.name, data), data=data)
    )
    for citation in citations_of(data):
        deps.emit(citation.model_copy(update={"call_id": call_id}))
    return data


async def execute_approved(
    spec: ToolSpec, deps: CoachDeps, call_id: str, arguments: dict[str, Any]
) -> dict[str, Any]:
    """Run a side-effect call the athlete approved, with exactly the arguments they saw (graph's act node)."""
    deps.emit(ToolCall(call_id=call_id, name=spec.name, arguments=arguments))
    try:
        args = parse_args(spec, arguments)
    except InvalidInput as exc:
        return _failed(deps, spec, call_id, exc.code, exc.message)
    try:
        return await execute(spec, deps, call_id, args)
    except ModelRetry as exc:
        return {"error": "invalid_input", "message": str(exc)}


def _failed(deps: CoachDeps, spec: ToolSpec, call_id: str, code: str, message: str) -> dict[str, Any]:
    deps.reported.add(call_id)
    deps.sources.append(message)  # the coach may quote what the tool said ("give the distance as 5k, 10k…")
    deps.emit(
        ToolResult(
            call_id=call_id, name=spec.name, ok=False, summary=f"{spec.name} failed: {message}", error=message
        )
    )
    return {"error": code, "message": message}


# --- summaries and citations --------------------------------------------------------------------------


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | date | datetime) or value is None


def summarize(name: str, data: dict[str, Any], *, limit: int = 160) -> str:
    """One human line for a tool result: its own `summary` field if it has one, else its first few facts."""
    own = data.get("summary")
    if isinstance(own, str) and own.strip():
        line = own.strip()
    else:
        parts: list[str] = []
        for key, value in data.items():
            if isinstance(value, list):
                parts.append(f"{len(value)} {key}")
            elif _scalar(value) and value not in (None, ""):
                parts.append(f"{key.replace('_', ' ')} {value}")
            if len(parts) == 4:
                break
        line = f"{name}: " + (", ".join(parts) if parts else "done")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def citations_of(data: dict[str, Any]) -> list[Citation]:
    """`citation` events for a tool output that carries `citations` (source, title, heading_path)."""
    found = []
    for item in data.get("citations") or []:
        if isinstance(item, dict) and {"source", "heading_path"} <= item.keys():
            found.append(
                Citation(
                    source=str(item["source"]),
                    title=str(item.get("title") or item["source"]),
                    heading_path=str(item["heading_path"]),
                )
            )
    return found
