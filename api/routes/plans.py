"""Training plans: generate to a race, the current plan, one plan, adapt to what was run, and the calendar.
Logic in `tools.workouts` (plans, adapt, calendar)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from api.deps import RowId, ToolDepsDep
from api.errors import problem_responses
from api.etag import conditional
from tools.plans import adapt, calendar, plans
from tools.plans.adapt import AdaptPlanInput, AdaptPlanOutput
from tools.plans.calendar import CalendarInput, CalendarOut
from tools.plans.plans import GeneratePlanInput, GetPlanInput, PlanOut

TAGS = [{"name": "plans", "description": "Periodized training plans and the plan calendar"}]
router = APIRouter(prefix="/plans", tags=["plans"])


@router.post(
    "/generate",
    status_code=status.HTTP_201_CREATED,
    summary="Generate a training plan",
    description="Build and save a periodized plan (base, build, peak, taper) to a race on your calendar "
    "(`race_id`) or to `race_date` + distance (default: your next A race); it becomes your active plan. "
    "With an active plan already, send `replace_active: true` to replace it (it is archived), else 409; "
    "an A race before the goal is a 409 too. B races inside the plan get a mini-taper, C races are "
    "training. Every plan is checked against the safety rules (`checks` is empty when all are kept).",
    responses=problem_responses(404, 409),
)
async def generate_plan(body: GeneratePlanInput, deps: ToolDepsDep) -> PlanOut:
    return await plans.generate_plan(deps, body)


@router.get(
    "/current",
    summary="Get the active plan",
    dependencies=[conditional],
    description="Your active plan: weeks, sessions with status, and the rule checks. 404 without one.",
    responses=problem_responses(404),
)
async def get_current_plan(deps: ToolDepsDep) -> PlanOut:
    return await plans.get_plan(deps, GetPlanInput())


@router.get(
    "/calendar",
    summary="Get the plan calendar",
    dependencies=[conditional],
    description="The active plan's sessions (or `plan_id`'s) between `start` and `end`, each with the "
    "activity that fulfilled it, and the activities no session claims. At most 400 days.",
    responses=problem_responses(404),
)
async def get_calendar(deps: ToolDepsDep, args: Annotated[CalendarInput, Query()]) -> CalendarOut:
    return await calendar.plan_calendar(deps, args)


@router.get(
    "/{plan_id}",
    summary="Get a plan",
    description="One of your plans (active or archived) with its weeks, sessions and rule checks.",
    responses=problem_responses(404),
)
async def get_plan(plan_id: RowId, deps: ToolDepsDep) -> PlanOut:
    return await plans.get_plan(deps, GetPlanInput(plan_id=plan_id))


class AdaptBody(BaseModel):
    force: bool = Field(default=False, description="re-flow the weeks ahead even if nothing was missed")


@router.post(
    "/{plan_id}/adapt",
    summary="Adapt a plan to what you ran",
    description="Marks past sessions done, moved or missed, and re-sizes the weeks ahead from your real "
    "volume when needed, keeping every safety rule. Asking twice changes nothing the second time.",
    responses=problem_responses(404),
)
async def adapt_plan(plan_id: RowId, deps: ToolDepsDep, body: AdaptBody | None = None) -> AdaptPlanOutput:
    force = body.force if body is not None else False
    return await adapt.adapt_plan(deps, AdaptPlanInput(plan_id=plan_id, force=force))
