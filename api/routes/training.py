"""Training numbers: load (fitness, fatigue, form), zones, race predictions, readiness. Each route is one
typed tool from `tools.fitness`, with the tool's input as the query string."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ToolDepsDep
from api.etag import conditional
from tools.fitness.race_prediction import RacePredictionInput, RacePredictionOutput, race_prediction
from tools.readiness.readiness import ReadinessInput, ReadinessOutput, readiness
from tools.training_load.training_load import TrainingLoadInput, TrainingLoadOutput, training_load
from tools.zones.zones import ZonesInput, ZonesOutput, zones

TAGS = [{"name": "training", "description": "Training load, zones, race predictions, readiness"}]
router = APIRouter(prefix="/training", tags=["training"])


@router.get(
    "/load",
    summary="Get training load",
    dependencies=[conditional],
    description="Today's fitness (CTL), fatigue (ATL), form (TSB), acute:chronic ratio, monotony and strain, "
    "and a daily or weekly series over the last `days`.",
)
async def get_training_load(
    deps: ToolDepsDep, args: Annotated[TrainingLoadInput, Query()]
) -> TrainingLoadOutput:
    return await training_load(deps, args)


@router.get(
    "/zones",
    summary="Get heart-rate and pace zones",
    description="Heart-rate zones (% max HR, heart-rate reserve, LTHR), pace zones, VDOT and training paces; "
    "each anchor says whether it is from the profile, estimated or assumed.",
)
async def get_zones(deps: ToolDepsDep, args: Annotated[ZonesInput, Query()]) -> ZonesOutput:
    return await zones(deps, args)


@router.get(
    "/predictions",
    summary="Get race predictions",
    description="Equivalent race times (Daniels and Riegel) and training paces, from a race you give "
    "(`distance_m` + `time_s`) or from your best efforts of the last `days` days. Without runs to search "
    "and without a race given, a 422 says what to do.",
)
async def get_predictions(
    deps: ToolDepsDep, args: Annotated[RacePredictionInput, Query()]
) -> RacePredictionOutput:
    return await race_prediction(deps, args)


@router.get(
    "/readiness",
    summary="Get readiness",
    dependencies=[conditional],
    description="Readiness to train (0–100 and a label) from sleep, HRV and resting heart rate against "
    "your own baselines and from training load, with a reason per component.",
)
async def get_readiness(deps: ToolDepsDep, args: Annotated[ReadinessInput, Query()]) -> ReadinessOutput:
    return await readiness(deps, args)
