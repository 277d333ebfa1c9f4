"""The athlete context loaded at the start of every turn, through the same registry tools the coach calls.

Each entry names a context key, the registry tool that supplies it and its arguments. A tool the turn does
not offer, or one that fails, is skipped: the context is a convenience, never a reason for a turn to fail.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from core.errors import CoachError
from tools.deps import ToolDeps
from tools.registry import ToolSpec, all_tools

log = logging.getLogger(__name__)

__all__ = ["compact", "load_context", "wanted"]


def wanted(deps: ToolDeps) -> list[tuple[str, str, dict[str, Any]]]:
    """(context key, tool, arguments) for the turn's day."""
    today = deps.today
    week_ago = (today - timedelta(days=6)).isoformat()
    fortnight = (today + timedelta(days=14)).isoformat()
    return [
        ("profile", "whoami", {}),
        ("zones", "zones", {}),
        ("training_load", "training_load", {"days": 1}),
        ("readiness", "readiness", {"day": today.isoformat()}),
        ("next_race", "list_races", {}),
        # illness, injury, travel, life stress around today
        ("calendar_notes", "list_calendar_notes", {"start": week_ago, "end": fortnight}),
        ("last_7_days", "list_activities", {"since": week_ago, "limit": 20}),
    ]


def compact(value: Any, *, items: int = 7, chars: int = 240) -> Any:
    """A smaller copy for the prompt: long lists cut to `items`, long strings to `chars`."""
    if isinstance(value, dict):
        return {k: compact(v, items=items, chars=chars) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [compact(v, items=items, chars=chars) for v in value[:items]]
    if isinstance(value, str) and len(value) > chars:
        return value[: chars - 1] + "…"
    return value


async def load_context(deps: ToolDeps, specs: list[ToolSpec] | None = None) -> dict[str, Any]:
    """Profile, zones, today's load and readiness, next race and the last 7 days, as far as tools exist."""
    registered = {spec.name: spec for spec in (specs if specs is not None else all_tools())}
    context: dict[str, Any] = {}
    for key, name, arguments in wanted(deps):
        spec = registered.get(name)
        if spec is None or spec.side_effect:
            continue
        try:
            args = spec.input_model.model_validate(arguments)
            async with deps.session.begin_nested():
                output = await spec.run(deps, args)
        except CoachError as exc:
            log.info("context tool %s skipped: %s", name, exc.message)
            continue
        except Exception:
            log.exception("context tool %s failed", name)
            continue
        context[key] = compact(output.model_dump(mode="json"))
    return context
