"""The registered tools as an MCP server (the SDK's low-level `Server`): one adapter, no logic of its own.

- `tools/list`: every `ToolSpec` with its docstring, its input model's JSON schema and its output model's
  schema. Side-effecting tools are annotated `destructiveHint` and take one more optional argument,
  `approval_id`.
- `tools/call`: validates the arguments with the tool's pydantic model, runs `ToolSpec.run` in its own unit
  of work (`session_scope`: commit on success, roll back on error) with `ToolDeps` for the *caller* — the
  user behind the API token, never an argument. The output model is returned as structured content (and as
  JSON text for clients that read only text).
- A side-effecting tool never runs on the caller's word: its call becomes an approval request in the
  athlete's web inbox (and Telegram), answered `awaiting_approval` (`api.mcp.consent`); it runs when the
  athlete approves it there, and the same call with the `approval_id` collects the result.
- Failures are tool results with `isError` and `{"error": code, "message": …}` (a `CoachError`'s message
  says what to do next); an unknown tool is a protocol error.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import mcp.types as types
from mcp.server import Server, ServerRequestContext
from mcp.shared.exceptions import MCPError
from pydantic import BaseModel
from pydantic_ai import ModelRetry

from api.mcp import consent
from api.mcp.auth import Caller
from core.database import session_scope
from core.errors import CoachError, Unauthorized
from core.models import User
from core.redis import get_redis
from core.settings import Settings, get_settings
from tools.deps import ToolDeps
from tools.registry import ToolSpec, all_tools, parse_args

log = logging.getLogger(__name__)

Identify = Callable[[ServerRequestContext[Any, Any]], Awaitable[Caller]]

APPROVAL_ARG = "approval_id"
SERVER_NAME = "runcoach"
INSTRUCTIONS = (
    "RunCoach: the athlete's own training data (activities down to per-second samples, training load, "
    "zones, race predictions, plans, gear, races) and coaching knowledge, as typed tools. Every number "
    "comes from a tool result. Tools marked destructive run only after the athlete approves them in "
    "RunCoach: the first call answers awaiting_approval with an approval_id; call again with it later "
    "to get the result."
)


def _input_schema(spec: ToolSpec) -> dict[str, Any]:
    schema = spec.input_model.model_json_schema()
    schema.setdefault("type", "object")
    if spec.side_effect:
        schema["properties"] = {
            **schema.get("properties", {}),
            APPROVAL_ARG: {
                "type": "string",
                "description": "the approval_id from this call's awaiting_approval answer, to collect the "
                "result once the athlete has answered in RunCoach (it approves nothing by itself)",
            },
        }
    return schema


def describe(spec: ToolSpec) -> types.Tool:
    return types.Tool(
        name=spec.name,
        description=spec.description
        + ("\n\nRuns only after the athlete approves it in RunCoach." if spec.side_effect else ""),
        input_schema=_input_schema(spec),
        output_schema=spec.output_model.model_json_schema(mode="serialization"),
        annotations=types.ToolAnnotations(destructive_hint=spec.side_effect),
    )


def _error(code: str, message: str, **extra: Any) -> types.CallToolResult:
    body = {"error": code, "message": message, **extra}
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=json.dumps(body, default=str))],
        structured_content=body,
        is_error=True,
    )


def _ok(output: BaseModel) -> types.CallToolResult:
    data = output.model_dump(mode="json")
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=json.dumps(data))], structured_content=data
    )


async def run_for(
    caller: Caller, spec: ToolSpec, args: BaseModel, settings: Settings, *, idempotency_key: str | None
) -> BaseModel:
    """Run one tool as the caller, in its own unit of work."""
    async with session_scope() as session:
        user = await session.get(User, caller.user_id)
        if user is None:
            raise Unauthorized("The account behind this API token no longer exists.")
        deps = ToolDeps.for_user(session, user, redis=get_redis(), settings=settings)
        if idempotency_key:
            deps.clients["tool_call_id"] = idempotency_key
        return await spec.run(deps, args)


async def _ask_the_athlete(
    caller: Caller, spec: ToolSpec, arguments: dict[str, Any], settings: Settings
) -> types.CallToolResult:
    async with session_scope() as session:
        approval = await consent.request_approval(
            session,
            get_redis(),
            caller.user_id,
            spec.name,
            arguments,
            ttl_s=settings.mcp_confirmation_ttl_s,
            now=datetime.now(UTC),
            token_id=caller.token_id,
        )
    return _error(
        "awaiting_approval",
        consent.awaiting_message(spec.name, approval.approval_id),
        approval={"approval_id": approval.approval_id, "tool": spec.name, "arguments": arguments},
    )


def _collected(spec: ToolSpec, approval: consent.Approval) -> types.CallToolResult:
    if approval.status in ("pending", "running"):
        return _error(
            "awaiting_approval",
            consent.awaiting_message(spec.name, approval.approval_id),
            approval={"approval_id": approval.approval_id, "tool": spec.name, "status": approval.status},
        )
    if approval.status == "denied":
        return _error("approval_denied", f"The athlete denied {spec.name}; it did not run. Do not retry it.")
    if approval.status == "failed":
        return _error("tool_failed", approval.message or f"{spec.name} failed after the athlete approved it.")
    return _ok(spec.output_model.model_validate(approval.output))


async def call(
    caller: Caller, name: str, arguments: dict[str, Any] | None, settings: Settings
) -> types.CallToolResult:
    specs = {spec.name: spec for spec in all_tools()}
    spec = specs.get(name)
    if spec is None:
        raise MCPError(types.INVALID_PARAMS, f"There is no tool named {name!r}; list the tools to see them.")
    raw = dict(arguments or {})
    approval_id = raw.pop(APPROVAL_ARG, None) if spec.side_effect else None
    try:
        args = parse_args(spec, raw)
        canonical = args.model_dump(mode="json")
        if spec.side_effect:
            if not approval_id:
                return await _ask_the_athlete(caller, spec, canonical, settings)
            approval = await consent.collect(
                get_redis(), caller.user_id, spec.name, canonical, str(approval_id)
            )
            if approval is None:
                return _error(
                    "approval_unknown",
                    "That approval id is unknown, expired, already collected, or was issued for another "
                    f"call. Call {spec.name} without approval_id to ask the athlete again.",
                )
            return _collected(spec, approval)
        output = await run_for(caller, spec, args, settings, idempotency_key=None)
    except CoachError as exc:
        return _error(exc.code, exc.message)
    except ModelRetry as exc:  # a tool's "correct your arguments" for the agent: the same for an MCP client
        return _error("invalid_input", str(exc))
    except Exception:
        log.exception("MCP tool %s failed", spec.name)
        return _error("tool_failed", f"{spec.name} failed unexpectedly; the error is in the server log.")
    return _ok(output)


def build_server(identify: Identify, settings: Settings | None = None) -> Server[Any]:
    """The MCP server; `identify` tells who is calling (HTTP: the bearer token; stdio: the process token)."""
    settings = settings or get_settings()

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        try:
            await identify(ctx)
        except CoachError as exc:
            raise MCPError(types.INVALID_REQUEST, exc.message) from exc
        return types.ListToolsResult(tools=[describe(spec) for spec in all_tools()])

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        try:
            caller = await identify(ctx)
        except CoachError as exc:
            return _error(exc.code, exc.message)
        return await call(caller, params.name, params.arguments, settings)

    return Server(
        SERVER_NAME,
        version="0.1.0",
        title="RunCoach",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )
