"""`runcoach chat --user EMAIL`: talk to the coach in a terminal, through `agent.stream` like every surface.

Reads one message per line from standard input (`/quit` or end of input stops), prints the answer as it
streams, tool calls and results as short indented lines, sources after the answer, and asks `y/N` when the
coach wants approval for an action. Works with a pipe too: `echo "how was my last run?" | runcoach chat …`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any, TextIO

from pydantic_ai.models import Model

from agent.checkpoint import close_checkpointer
from agent.events import (
    ApprovalDecision,
    ApprovalRequired,
    Citation,
    ErrorEvent,
    GroundingWarning,
    MessageDone,
    TextDelta,
    ToolCall,
    ToolResult,
    TurnStarted,
)
from agent.stream import stream
from core.database import session_scope
from core.models import User
from tools.account.users import get_user_by_email

__all__ = ["chat_repl"]

QUIT = {"/quit", "/exit", "quit", "exit"}


def _args(arguments: dict[str, Any], limit: int = 80) -> str:
    text = json.dumps(arguments, separators=(", ", ": "), default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _read(stdin: TextIO) -> str | None:
    line = await asyncio.to_thread(stdin.readline)
    return None if line == "" else line.rstrip("\n")


async def chat_repl(
    email: str,
    *,
    thread: str | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    model: Model | None = None,
    checkpointer: Any = None,
) -> int:
    """Run the chat loop for the user `email`; returns the process exit code."""
    stdin = stdin or sys.stdin
    out = stdout or sys.stdout
    async with session_scope() as session:
        user: User = await get_user_by_email(session, email)
    interactive = stdin.isatty()

    def say(text: str = "", end: str = "\n") -> None:
        out.write(text + end)
        out.flush()

    say(f"RunCoach chat as {user.email}. Type a message; /quit to leave.")
    failed = False
    try:
        while True:
            if interactive:
                say("you> ", end="")
            line = await _read(stdin)
            if line is None or line.strip() in QUIT:
                break
            if not line.strip():
                continue
            if not interactive:
                say(f"you> {line}")
            next_message: str | ApprovalDecision | None = line
            while next_message is not None:
                message, next_message = next_message, None
                pending: ApprovalRequired | None = None
                sources: list[str] = []
                at_line_start = True
                speaking = False
                async for event in stream(user, thread, message, model=model, checkpointer=checkpointer):
                    if isinstance(event, TurnStarted):
                        thread = event.thread_id
                    elif isinstance(event, TextDelta):
                        if not speaking:
                            say("coach> ", end="")
                            speaking = True
                        say(event.text, end="")
                        at_line_start = event.text.endswith("\n")
                    elif isinstance(event, ToolCall | ToolResult | GroundingWarning):
                        if not at_line_start:
                            say()
                        if isinstance(event, ToolCall):
                            say(f"  → {event.name}({_args(event.arguments)})")
                        elif isinstance(event, ToolResult):
                            say(f"  {'←' if event.ok else '✗'} {event.summary}")
                        else:
                            say(f"  ! not found in this answer's data: {', '.join(event.figures)}")
                        at_line_start = True
                    elif isinstance(event, Citation):
                        sources.append(event.heading_path)
                    elif isinstance(event, MessageDone):
                        if not at_line_start:
                            say()
                        if sources:
                            say("  sources: " + "; ".join(dict.fromkeys(sources)))
                        say(
                            f"  ({event.model}, "
                            f"{event.usage.input_tokens}+{event.usage.output_tokens} tokens)"
                        )
                    elif isinstance(event, ApprovalRequired):
                        if not at_line_start:
                            say()
                        pending = event
                    elif isinstance(event, ErrorEvent):
                        if not at_line_start:
                            say()
                        say(f"runcoach: {event.message}")
                        failed = True
                if pending is not None:
                    say(f"  The coach wants to {pending.what.rstrip('.')}")
                    say(f"  {pending.tool}({_args(pending.arguments, 200)})")
                    say(f"  why: {pending.why}")
                    say("  Approve? [y/N] ", end="")
                    answer = await _read(stdin)
                    if not interactive:
                        say(answer or "")
                    approved = (answer or "").strip().lower() in {"y", "yes"}
                    next_message = ApprovalDecision(approval_id=pending.approval_id, approved=approved)
    finally:
        await close_checkpointer()
    return 1 if failed else 0
