"""Which VDOT a workout or plan is paced from, and why: the value given → the active plan's → the best
recent efforts → the threshold pace (profile or estimated). Never a silent default."""

from __future__ import annotations

from core.errors import InvalidInput
from tools.activities.visibility import hidden_sources
from tools.deps import ToolDeps
from tools.fitness.efforts import recent_fitness
from tools.fitness.race_prediction import distance_name
from tools.plans.repository import Plans
from tools.units import clock, pace
from tools.zones.anchors import AnchorResolver
from tools.zones.zones import vdot_for_threshold_pace


async def athlete_vdot(deps: ToolDeps, given: float | None, *, use_plan: bool = True) -> tuple[float, str]:
    """(VDOT, where it came from) for pacing the athlete's sessions."""
    if given is not None:
        return given, "given"
    if use_plan:
        plan = await Plans(deps.session, deps.user_id).active()
        if plan is not None and isinstance(plan.inputs.get("vdot"), (int, float)):
            return float(plan.inputs["vdot"]), f"the active plan “{plan.name}”"
    effort, _ = await recent_fitness(
        deps.session, deps.user_id, deps.tz, deps.today, hide_sources=hidden_sources(deps)
    )
    if effort is not None:
        name = distance_name(effort.distance_m)
        return effort.vdot, f"best {name} of the last 120 days ({clock(effort.time_s)} on {effort.day})"
    threshold = await AnchorResolver(
        deps.session, deps.user, today=deps.today, hide_sources=hidden_sources(deps)
    ).threshold_pace()
    if threshold is not None:
        vdot = vdot_for_threshold_pace(threshold.value)
        if vdot is not None:
            return vdot, f"threshold pace {pace(threshold.value)} ({threshold.source})"
    raise InvalidInput(
        "No pace reference for this athlete: no recent runs with distance, no threshold pace. Give `vdot`, "
        "or a recent race result (race_prediction gives the VDOT), or a goal time."
    )
