"""The athlete's answer to a side effect an MCP client asked for: approve (the tool runs now, as the athlete,
in this request's unit of work) or deny. Logic in `api.mcp.consent`; the tool is the registry's.

Only a signed-in browser session may answer: the MCP client holds the athlete's API token, so a token
approving its own request would be no approval at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Path
from pydantic import BaseModel, Field
from pydantic_ai import ModelRetry
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import Auth
from api.deps import CurrentAuth, RedisDep, SessionDep, SettingsDep
from api.errors import problem_responses
from api.mcp import consent
from core.errors import CoachError, Conflict, Forbidden, InvalidInput
from core.models import User
from tools.account.tokens import find_live_token
from tools.deps import ToolDeps
from tools.notifications import store
from tools.registry import all_tools, parse_args

TAGS = [{"name": "mcp", "description": "Approving what apps connected over MCP ask to change"}]
router = APIRouter(prefix="/mcp/approvals", tags=["mcp"])

ApprovalId = Annotated[str, Path(min_length=8, max_length=128)]


class ApprovalOutcome(BaseModel):
    approval_id: str
    tool: str
    status: Literal["done", "denied"]
    output: dict[str, Any] | None = Field(default=None, description="what the tool returned (approved)")


def _browser_only(auth: Auth) -> User:
    if auth.method != "session":
        raise Forbidden(
            "Approve or deny in the RunCoach web app (or Telegram): an API token, which is what the "
            "asking app holds, cannot answer its own request."
        )
    return auth.user


async def _mark_read(session: AsyncSession, user: User, approval: consent.Approval) -> None:
    if approval.notification_id is not None:
        await store.mark_read(session, user.id, ids=[approval.notification_id], now=datetime.now(UTC))


@router.post(
    "/{approval_id}/approve",
    summary="Approve what an MCP client asked for",
    description="Runs the requested tool with exactly the arguments shown, as you, once. A signed-in "
    "browser only (403 with an API token); 404 when already answered, expired or not yours; 409 when the "
    "asking app's token has been revoked since (the request is void); a tool's own "
    "error (e.g. the race is gone) is returned as that error and the asking app hears of it too.",
    responses=problem_responses(403, 404, 409, 422),
)
async def approve(
    approval_id: ApprovalId,
    auth: CurrentAuth,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> ApprovalOutcome:
    user = _browser_only(auth)
    approval = await consent.take(redis, user.id, approval_id, approve=True)
    ttl = settings.mcp_confirmation_ttl_s
    if approval.token_id is not None and await find_live_token(session, user.id, approval.token_id) is None:
        message = "The API token of the app that asked was revoked (or expired), so its request is void."
        await consent.finish(redis, approval, "denied", ttl_s=ttl, message=message)
        await _mark_read(session, user, approval)
        raise Conflict(message + " Nothing ran.")
    try:
        spec = {spec.name: spec for spec in all_tools()}[approval.tool]
        args = parse_args(spec, approval.arguments)
        deps = ToolDeps.for_user(session, user, redis=redis, settings=settings)
        deps.clients["tool_call_id"] = f"mcp:{approval_id}"
        output = await spec.run(deps, args)
    except (CoachError, ModelRetry) as exc:
        message = exc.message if isinstance(exc, CoachError) else str(exc)
        await consent.finish(redis, approval, "failed", ttl_s=ttl, message=message)
        raise exc if isinstance(exc, CoachError) else InvalidInput(message) from exc
    except Exception:
        message = f"{approval.tool} failed unexpectedly after the approval; the error is in the server log."
        await consent.finish(redis, approval, "failed", ttl_s=ttl, message=message)
        raise
    await _mark_read(session, user, approval)
    data = output.model_dump(mode="json")
    # recorded for the asking app once this request's unit of work has committed
    background.add_task(consent.finish, redis, approval, "done", ttl_s=ttl, output=data)
    return ApprovalOutcome(approval_id=approval_id, tool=approval.tool, status="done", output=data)


@router.post(
    "/{approval_id}/deny",
    summary="Deny what an MCP client asked for",
    description="Nothing runs; the asking app is told it was denied. A signed-in browser only.",
    responses=problem_responses(403, 404),
)
async def deny(
    approval_id: ApprovalId, auth: CurrentAuth, session: SessionDep, redis: RedisDep, settings: SettingsDep
) -> ApprovalOutcome:
    user = _browser_only(auth)
    approval = await consent.take(redis, user.id, approval_id, approve=False)
    await consent.finish(redis, approval, "denied", ttl_s=settings.mcp_confirmation_ttl_s)
    await _mark_read(session, user, approval)
    return ApprovalOutcome(approval_id=approval_id, tool=approval.tool, status="denied")
