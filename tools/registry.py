"""The tools the coach (and the API, the CLI, the bot and the jobs) may call, and which need approval.

A tool is a plain typed async function `async def name(deps: ToolDeps, args: SomeInput) -> SomeOutput`
whose docstring the model reads. It is registered with `@tool(...)` in its own module, and that module is
listed in `TOOL_MODULES` below: this list is the one place that says what the agent may call.
Tools that change or delete the athlete's data (gear, races, notes, plans, workouts, logged sessions, syncs)
or act outside RunCoach (push to Garmin, upload to Strava) are `side_effect=True`: the agent must get the
athlete's approval of the exact arguments before they run. Read-only tools run directly. A tool's output is
data for the model, never instructions (the prompt says so): text the athlete's data holds — activity
names, notes, a coach's comments — cannot trigger a change without the athlete's approval.
"""

from __future__ import annotations

import importlib
import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, get_type_hints

from pydantic import BaseModel, ValidationError

from core.errors import CoachError, InvalidInput, NotFound
from core.metrics import TOOL_CALLS, TOOL_SECONDS
from tools.deps import ToolDeps

#: modules whose `@tool` functions the agent may call (add a module here to give the coach a new ability)
TOOL_MODULES: tuple[str, ...] = (
    "tools.account.whoami",
    "tools.gear.gear",
    "tools.races.races",
    "tools.activities.activities",
    "tools.garmin.garmin",
    "tools.strava.strava",
    "knowledge.tool",
    "tools.samples.samples",
    "tools.training_load.training_load",
    "tools.zones.zones",
    "tools.fitness.race_prediction",
    "tools.readiness.readiness",
    "tools.fitness.fitness_metrics",
    "tools.training_load.cross_training",
    "tools.notes.notes",
    "tools.notes.proposals",
    "tools.plans.availability_store",
    "tools.plans.execution",
    "tools.health.daily",
    "tools.workouts.workouts",
    "tools.plans.plans",
    "tools.plans.adapt",
    "tools.readiness.today",
    "tools.feed.tool",
)

In = TypeVar("In", bound=BaseModel)
Out = TypeVar("Out", bound=BaseModel)
ToolFn = Callable[[ToolDeps, In], Awaitable[Out]]


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    fn: Callable[[ToolDeps, Any], Awaitable[BaseModel]]
    side_effect: bool

    async def run(self, deps: ToolDeps, args: BaseModel) -> BaseModel:
        """Run the tool on validated arguments, counted and timed (`core.metrics`); every caller uses this."""
        outcome = "failed"
        start = time.perf_counter()
        try:
            result = await self.fn(deps, args)
            outcome = "ok"
            return result
        except CoachError:
            outcome = "error"  # a clear, expected refusal (not found, invalid input, service down…)
            raise
        finally:
            TOOL_CALLS.labels(self.name, outcome).inc()
            TOOL_SECONDS.labels(self.name).observe(time.perf_counter() - start)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description.split("\n\n")[0],
            "side_effect": self.side_effect,
            "input_schema": self.input_model.model_json_schema(),
        }


_REGISTRY: dict[str, ToolSpec] = {}
_loaded = False


def _qualname(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def tool(
    *, side_effect: bool = False, name: str | None = None
) -> Callable[[ToolFn[In, Out]], ToolFn[In, Out]]:
    """Register a typed tool. The input and output models are read from the function's annotations."""

    def register(fn: ToolFn[In, Out]) -> ToolFn[In, Out]:
        hints = get_type_hints(fn)
        params = list(inspect.signature(fn).parameters)
        if len(params) != 2:
            raise TypeError(f"tool {fn.__name__} must take (deps, args)")
        input_model = hints[params[1]]
        output_model = hints["return"]
        if not (issubclass(input_model, BaseModel) and issubclass(output_model, BaseModel)):
            raise TypeError(f"tool {fn.__name__} must take and return pydantic models")
        if not fn.__doc__:
            raise TypeError(f"tool {fn.__name__} needs a docstring: it is what the model reads")
        spec = ToolSpec(
            name=name or fn.__name__,
            description=inspect.cleandoc(fn.__doc__),
            input_model=input_model,
            output_model=output_model,
            fn=fn,
            side_effect=side_effect,
        )
        existing = _REGISTRY.get(spec.name)
        if existing is not None and _qualname(existing.fn) != _qualname(fn):
            raise ValueError(
                f"two tools are named {spec.name!r}: {_qualname(existing.fn)} and {_qualname(fn)}"
            )
        _REGISTRY[spec.name] = spec
        return fn

    return register


def all_tools() -> list[ToolSpec]:
    """Every registered tool, in name order (imports the modules listed in TOOL_MODULES once)."""
    global _loaded
    if not _loaded:
        for module in TOOL_MODULES:
            importlib.import_module(module)
        _loaded = True
    return sorted(_REGISTRY.values(), key=lambda spec: spec.name)


def get_tool(name: str) -> ToolSpec:
    tools = {spec.name: spec for spec in all_tools()}
    if name not in tools:
        raise NotFound(f"There is no tool named {name!r}. Run `runcoach tool --list` to see them.")
    return tools[name]


def parse_args(spec: ToolSpec, raw: dict[str, Any] | str | None) -> BaseModel:
    """Validate raw arguments (a dict or a JSON string) against the tool's input model."""
    try:
        if isinstance(raw, str):
            return spec.input_model.model_validate_json(raw or "{}")
        return spec.input_model.model_validate(raw or {})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'input'}: {err['msg']}" for err in exc.errors()
        )
        raise InvalidInput(f"Arguments for {spec.name} are not valid: {problems}") from exc


async def call_tool(name: str, deps: ToolDeps, raw: dict[str, Any] | str | None) -> BaseModel:
    """Look up, validate and run one tool: the path the CLI, the API and the jobs share."""
    spec = get_tool(name)
    return await spec.run(deps, parse_args(spec, raw))
