"""Side-effecting tools called over MCP run only after the athlete approves them, in RunCoach itself.

An MCP client is another agent: it may call anything it sees, and anything it is handed it can hand back.
So the approval never goes to it. The first call of a side-effecting tool stores the exact call (user,
tool, validated arguments) as a pending approval and puts it in the athlete's web inbox (and on Telegram
when linked) with Approve / Deny; the call answers `awaiting_approval` with an `approval_id` that is only
a claim ticket: nothing the calling agent can send approves it. The athlete's press, in a signed-in
browser (`POST /api/v1/mcp/approvals/{id}/approve`; an API token cannot approve), runs the tool then, as
the athlete, in that request's unit of work. The agent calls again with `approval_id` to collect the
result (or hear it was denied, or still waits).

- Redis keeps `runcoach:mcp:approval:<sha256(id)>` → JSON {user_id, tool, arguments, status, …} for
  `mcp_confirmation_ttl_s`: `pending` → `running` (the decision takes a claim key with SET NX, so two
  presses run the tool once) → `done` (with the output) / `failed` / `denied`. Collecting a decided
  approval deletes it.
- Collecting checks the same user, tool and arguments: an approval is for exactly one call.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from tools.notifications import store
from tools.notifications.preferences import Channel
from tools.notifications.telegram_link import chat_for_user

ID_BYTES = 16
TRIGGER = "mcp_approval"
Status = Literal["pending", "running", "done", "failed", "denied"]


@dataclass(frozen=True)
class Approval:
    approval_id: str
    user_id: int
    tool: str
    arguments: dict[str, Any]
    status: Status
    notification_id: int | None = None
    output: dict[str, Any] | None = None
    message: str | None = None
    #: the API token that asked: revoking it voids the request (`api/routes/mcp_approvals.py`)
    token_id: int | None = None

    def to_record(self) -> str:
        return json.dumps(
            {
                "user_id": self.user_id,
                "tool": self.tool,
                "arguments": self.arguments,
                "status": self.status,
                "notification_id": self.notification_id,
                "output": self.output,
                "message": self.message,
                "token_id": self.token_id,
            },
            default=str,
        )

    @classmethod
    def from_record(cls, approval_id: str, raw: str | bytes) -> Approval:
        data = json.loads(raw)
        return cls(
            approval_id=approval_id,
            user_id=int(data["user_id"]),
            tool=str(data["tool"]),
            arguments=dict(data["arguments"]),
            status=data["status"],
            notification_id=data.get("notification_id"),
            output=data.get("output"),
            message=data.get("message"),
            token_id=data.get("token_id"),
        )


def _key(approval_id: str) -> str:
    return f"runcoach:mcp:approval:{hashlib.sha256(approval_id.encode()).hexdigest()}"


def args_digest(arguments: dict[str, Any]) -> str:
    canonical = json.dumps(arguments, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def awaiting_message(tool: str, approval_id: str) -> str:
    return (
        f"{tool} changes the athlete's data, so it is awaiting the athlete's approval: RunCoach asked them "
        "in its web inbox (and on Telegram when linked). Nothing ran yet, and nothing you send can approve "
        f"it. Tell the athlete; later call {tool} again with the same arguments plus "
        f"approval_id={approval_id!r} to get the result."
    )


async def request_approval(
    session: AsyncSession,
    redis: Redis,
    user_id: int,
    tool: str,
    arguments: dict[str, Any],
    *,
    ttl_s: int,
    now: datetime,
    token_id: int | None = None,
) -> Approval:
    """Store the exact call as pending and ask the athlete (web inbox; Telegram when linked). Flushes."""
    approval_id = secrets.token_urlsafe(ID_BYTES)
    shown = json.dumps(arguments, ensure_ascii=False, default=str)
    channels = [Channel.WEB]
    if await chat_for_user(session, user_id) is not None:
        channels.append(Channel.TELEGRAM)
    notification, _ = await store.create_notification(
        session,
        user_id,
        trigger=TRIGGER,
        period_key=approval_id,
        title=f"An app connected over MCP asks to run {tool}",
        body=(
            f"{tool} with {shown[:1500]}\n\nIt runs only if you approve it in RunCoach (Dashboard → inbox). "
            f"If you did not ask an assistant for this, deny it and revoke the app's API token."
        ),
        channels=channels,
        now=now,
        data={"kind": TRIGGER, "approval_id": approval_id, "tool": tool, "arguments": arguments},
    )
    approval = Approval(approval_id, user_id, tool, arguments, "pending", notification.id, token_id=token_id)
    await redis.set(_key(approval_id), approval.to_record(), ex=ttl_s)
    return approval


async def take(redis: Redis, user_id: int, approval_id: str, *, approve: bool) -> Approval:
    """The athlete's decision on a pending approval: taken once (a second press, or another user's id,
    is NotFound). Approving leaves it `running` until `finish`; denying decides it at once."""
    if not approval_id or len(approval_id) > 128:
        raise NotFound("No approval request with that id is waiting for you.")
    raw = await redis.get(_key(approval_id))
    pending = Approval.from_record(approval_id, raw) if raw is not None else None
    # the claim is taken once (SET NX), so a second press, on any replica, finds it answered
    if (
        pending is None
        or pending.user_id != user_id
        or pending.status != "pending"
        or not await redis.set(_key(approval_id) + ":taken", "1", nx=True, ex=24 * 3600)
    ):
        raise NotFound(
            "No approval request with that id is waiting for you: it was already answered or it expired."
        )
    status: Status = "running" if approve else "denied"
    taken = replace(pending, status=status)
    await redis.set(_key(approval_id), taken.to_record(), keepttl=True)
    return taken


async def finish(
    redis: Redis,
    approval: Approval,
    status: Status,
    *,
    ttl_s: int,
    output: dict[str, Any] | None = None,
    message: str | None = None,
) -> None:
    """Record how an approved (or denied) call ended, for the calling agent to collect."""
    done = replace(approval, status=status, output=output, message=message)
    await redis.set(_key(approval.approval_id), done.to_record(), ex=ttl_s)


async def collect(
    redis: Redis, user_id: int, tool: str, arguments: dict[str, Any], approval_id: str
) -> Approval | None:
    """The approval for exactly this call (None: unknown, expired, collected, or for another call).
    A decided one is returned once and deleted; a pending or running one stays."""
    if not approval_id or len(approval_id) > 128:
        return None
    raw = await redis.get(_key(approval_id))
    if raw is None:
        return None
    approval = Approval.from_record(approval_id, raw)
    if (
        approval.user_id != user_id
        or approval.tool != tool
        or args_digest(approval.arguments) != args_digest(arguments)
    ):
        return None
    if approval.status in ("pending", "running"):
        return approval
    return approval if await redis.delete(_key(approval_id)) else None
