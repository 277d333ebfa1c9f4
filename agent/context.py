"""The athlete context loaded at the start of every turn, through the same registry tools the coach calls.

Each entry names a context key and the tools that can supply it, first registered one wins, with candidate
arguments (only those the tool's input model declares are passed). A tool that is not registered yet, does
not accept the arguments, or fails is skipped: the context is a convenience, never a reason for a turn to
fail.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ValidationError

from core.errors import CoachError
from tools.deps import ToolDeps
from tools.registry import ToolSpec, all_tools

log = logging.getLogger(__name__)

__all__ = ["compact", "fit_input", "load_context"]


def _wanted(deps: ToolDeps) -> list[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    today = deps.today
    week_ago = (today - timedelta(days=6)).isoformat()
    return [
        ("profile", [("whoami", {})]),
        ("zones", [("zones", {}), ("get_zones", {})]),
        ("training_load", [("training_load", {"days": 1, "today_only": True}), ("fitness", {})]),
        (
            "readiness",
            [("readiness", {"day": today.isoformat(), "date": today.isoformat()}), ("get_readiness", {})],
        ),
        (
            "next_race",
            [("next_race", {}), ("list_races", {"upcoming": True, "upcoming_only": True, "limit": 1})],
        ),
        (
            "calendar_notes",  # illness, injury, travel, life stress around today
            [("list_calendar_notes", {"start": week_ago, "end": (today + timedelta(days=14)).isoformat()})],
        ),
        (
            "last_7_days",
            [
                ("weekly_summary", {"week_of": today.isoformat()}),
                (
                    "list_activities",
                    {"since": week_ago, "start": week_ago, "from_date": week_ago, "days": 7, "limit": 20},
                ),
            ],
        ),
    ]


def fit_input(model: type[BaseModel], candidates: dict[str, Any]) -> BaseModel | None:
    """`model` built from the candidate arguments it declares, or None when that is not valid."""
    fields = model.model_fields
    try:
        return model.model_validate({k: v for k, v in candidates.items() if k in fields})
    except ValidationError:
        return None


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
    for key, options in _wanted(deps):
        for name, candidates in options:
            spec = registered.get(name)
            if spec is None or spec.side_effect:
                continue
            args = fit_input(spec.input_model, candidates)
            if args is None:
                continue
            try:
                async with deps.session.begin_nested():
                    output = await spec.run(deps, args)
            except CoachError as exc:
                log.info("context tool %s skipped: %s", name, exc.message)
                continue
            except Exception:
                log.exception("context tool %s failed", name)
                continue
            context[key] = compact(output.model_dump(mode="json"))
            break
    return context
