"""One-time confirmations for side-effecting tools called over MCP.

An MCP client is another agent: it may call anything it sees, so a side-effecting tool never runs on its
first call. That call returns an approval request naming the tool, the exact (validated) arguments and a
confirmation id. Only a second call with the same tool, the same arguments and that id runs it, once.

- The id is 128 random bits; Redis keeps only its SHA-256: `runcoach:mcp:consent:<sha256>` → JSON
  {user_id, tool, args_sha256}, expiring after `mcp_confirmation_ttl_s`.
- Redeeming is `GETDEL`: atomic, so two concurrent calls with one id run the tool at most once, on any
  replica. A mismatch (another user, tool or arguments) also burns the id: ask again.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

ID_BYTES = 16


@dataclass(frozen=True)
class ApprovalRequest:
    confirmation_id: str
    tool: str
    arguments: dict[str, Any]
    expires_in_s: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": "approval_required",
            "tool": self.tool,
            "arguments": self.arguments,
            "confirmation_id": self.confirmation_id,
            "expires_in_s": self.expires_in_s,
            "message": (
                f"{self.tool} changes things outside this conversation and needs the athlete's explicit "
                f"consent. Show them the tool and arguments; only if they agree, call {self.tool} again "
                f"with the same arguments plus confirmation_id={self.confirmation_id!r} (valid once, for "
                f"{self.expires_in_s} s)."
            ),
        }


def _key(confirmation_id: str) -> str:
    return f"runcoach:mcp:consent:{hashlib.sha256(confirmation_id.encode()).hexdigest()}"


def args_digest(arguments: dict[str, Any]) -> str:
    canonical = json.dumps(arguments, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def request_approval(
    redis: Redis, user_id: int, tool: str, arguments: dict[str, Any], *, ttl_s: int
) -> ApprovalRequest:
    """Issue a confirmation id for exactly this call (user, tool, arguments)."""
    confirmation_id = secrets.token_urlsafe(ID_BYTES)
    record = {"user_id": user_id, "tool": tool, "args_sha256": args_digest(arguments)}
    await redis.set(_key(confirmation_id), json.dumps(record), ex=ttl_s)
    return ApprovalRequest(confirmation_id, tool, arguments, ttl_s)


async def redeem(
    redis: Redis, user_id: int, tool: str, arguments: dict[str, Any], confirmation_id: str
) -> bool:
    """True once for a live id issued for exactly this call; the id is gone afterwards in every case."""
    if not confirmation_id or len(confirmation_id) > 128:
        return False
    raw = await redis.getdel(_key(confirmation_id))
    if raw is None:
        return False
    record = json.loads(raw)
    return bool(
        record.get("user_id") == user_id
        and record.get("tool") == tool
        and record.get("args_sha256") == args_digest(arguments)
    )
