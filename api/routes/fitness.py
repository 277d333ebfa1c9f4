"""Fitness metrics computed from the athlete's own samples: effective VO2max per run, its trend, and
marathon shape. One typed tool (`tools.fitness.fitness_metrics`), its input as the query string."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ToolDepsDep
from tools.fitness.fitness_metrics import FitnessMetricsInput, FitnessMetricsOutput, fitness_metrics

TAGS = [{"name": "fitness", "description": "Effective VO2max and its trend, marathon shape"}]
router = APIRouter(prefix="/training", tags=["fitness"])


@router.get(
    "/fitness",
    summary="Get fitness metrics",
    description="Effective VO2max of each run of the last `days` days (heart rate against pace over steady, "
    "flat segments), its trend per 30 days, and marathon shape in % from recent weekly volume and long runs. "
    "Which heart-rate anchors were used, and where they came from, is part of the answer.",
)
async def get_fitness(
    deps: ToolDepsDep, args: Annotated[FitnessMetricsInput, Query()]
) -> FitnessMetricsOutput:
    return await fitness_metrics(deps, args)
