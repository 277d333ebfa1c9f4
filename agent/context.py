"""The athlete context loaded at the start of every turn, through the same registry tools the coach calls.

Each entry names a context key, the registry tool that supplies it and its arguments. A tool the turn does
not offer, or one that fails, is skipped: the context is a convenience, never a reason for a turn to fail.

The context is kept in Redis for `chat_context_cache_s` (10 minutes; 0 turns this off) under the
athlete's data version (`tools.account.versions`: replaced after every commit that changes what they see —
an import, a sync, a race, a note, the profile), the day and the turn's tool set: a conversation's next
turns reuse it instead of running its queries again (a sixth of an offline turn's CPU), and any
change to the athlete's data makes the next turn load it afresh. Without Redis, or when Redis fails, it
is loaded every turn. The tools only read, so they run in one savepoint, not one each (a savepoint costs two
statements); when one fails, the context is loaded again with a savepoint per tool and that one skipped.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from typing import Any

from core import data_versions as versions
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
    """Profile, zones, today's load and readiness, races, calendar notes and the last 7 days (cached: see
    the module docstring)."""
    registered = {spec.name: spec for spec in (specs if specs is not None else all_tools())}
    key = await _cache_key(deps, registered)
    if key is not None:
        try:
            cached = await deps.redis.get(key)  # type: ignore[union-attr]  # a key implies a client
            if cached is not None:
                return dict(json.loads(cached))
        except Exception:
            log.warning("turn context cache unavailable; loading the context", exc_info=True)
            key = None
    context = await _load(deps, registered)
    if key is not None:
        try:
            ttl = deps.settings.chat_context_cache_s
            await deps.redis.set(key, json.dumps(context), ex=ttl)  # type: ignore[union-attr]
        except Exception:
            log.warning("could not cache the turn context", exc_info=True)
    return context


async def _cache_key(deps: ToolDeps, registered: dict[str, ToolSpec]) -> str | None:
    if deps.redis is None or deps.settings.chat_context_cache_s <= 0:
        return None
    try:
        version = await versions.current(deps.redis, deps.user_id)
    except Exception:
        log.warning("no data version for the turn context cache", exc_info=True)
        return None
    tools = hashlib.sha256(",".join(sorted(registered)).encode()).hexdigest()[:12]
    return f"runcoach:turn-context:{deps.user_id}:{version}:{deps.today.isoformat()}:{tools}"


async def _load(deps: ToolDeps, registered: dict[str, ToolSpec]) -> dict[str, Any]:
    """Every context tool in one savepoint (they only read); if one of them fails, the savepoint is rolled
    back and the context loaded again with a savepoint per tool, so a failed statement of one tool (which
    aborts its transaction) costs only that tool's entry."""
    calls: list[tuple[str, ToolSpec, dict[str, Any]]] = []
    for key, name, arguments in wanted(deps):
        spec = registered.get(name)
        if spec is not None and not spec.side_effect:
            calls.append((key, spec, arguments))
    context: dict[str, Any] = {}
    try:
        async with deps.session.begin_nested():
            for key, spec, arguments in calls:
                output = await spec.run(deps, spec.input_model.model_validate(arguments))
                context[key] = compact(output.model_dump(mode="json"))
        return context
    except Exception:
        context = {}  # loaded again below, tool by tool: the failure is told there
    for key, spec, arguments in calls:
        name = spec.name
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
