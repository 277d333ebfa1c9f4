"""Pure sports science: numbers in, numbers out. No I/O, no database, no network.

Modules, each named after what it holds:
- `vdot`: Daniels–Gilbert VDOT, equivalent race times, training paces (E/M/T/I/R).
- `predictions`: race predictions by VDOT and by Riegel.
- `zones`: heart-rate and pace zones, and estimating max HR, LTHR and threshold pace from own data.
- `stress`: load of one session — Banister TRIMP, grade-adjusted pace, NGP, rTSS.
- `load`: load over days — CTL/ATL/TSB, acute:chronic ratio, monotony and strain.
- `readiness`: a morning readiness score with its reasons.
- `workout`: the structured workout model; `sessions`: building one workout from training paces.
- `training_plan`: the plan model; `plans`: generating a plan (calendar, volumes); `plan_weeks`: laying
  out one week; `plan_rules`: the rules a plan must keep and `check_plan`.
- `series`: rolling means/medians and percentiles over plain sequences; `errors`: the errors raised.
"""

from tools.training.errors import PlanInputError, TrainingInputError
from tools.training.load import (
    DailyLoad,
    FitnessPoint,
    acute_chronic_ratios,
    daily_loads,
    fitness_fatigue,
    monotony,
    strain,
)
from tools.training.plan_rules import RuleViolation, check_plan
from tools.training.plans import generate_plan
from tools.training.predictions import RacePrediction, race_prediction, riegel_time
from tools.training.readiness import Readiness, ReadinessInputs, readiness
from tools.training.sessions import generate_workout
from tools.training.stress import banister_trimp, normalized_graded_pace, rtss
from tools.training.training_plan import Phase, PlannedSession, PlanWeek, TrainingPlan
from tools.training.vdot import (
    TrainingPaces,
    equivalent_race_time,
    race_time_for_vdot,
    training_paces,
    vdot_from_race,
)
from tools.training.workout import Workout, WorkoutKind, WorkoutSummary, summarize
from tools.training.zones import (
    estimate_lthr,
    estimate_max_hr,
    estimate_threshold_pace,
    heart_rate_reserve_zones,
    lthr_zones,
    max_hr_zones,
    pace_zones,
    threshold_pace_from_efforts,
    vdot_pace_zones,
)

__all__ = [
    "DailyLoad",
    "FitnessPoint",
    "Phase",
    "PlanInputError",
    "PlanWeek",
    "PlannedSession",
    "RacePrediction",
    "Readiness",
    "ReadinessInputs",
    "RuleViolation",
    "TrainingInputError",
    "TrainingPaces",
    "TrainingPlan",
    "Workout",
    "WorkoutKind",
    "WorkoutSummary",
    "acute_chronic_ratios",
    "banister_trimp",
    "check_plan",
    "daily_loads",
    "equivalent_race_time",
    "estimate_lthr",
    "estimate_max_hr",
    "estimate_threshold_pace",
    "fitness_fatigue",
    "generate_plan",
    "generate_workout",
    "heart_rate_reserve_zones",
    "lthr_zones",
    "max_hr_zones",
    "monotony",
    "normalized_graded_pace",
    "pace_zones",
    "race_prediction",
    "race_time_for_vdot",
    "readiness",
    "riegel_time",
    "rtss",
    "strain",
    "summarize",
    "threshold_pace_from_efforts",
    "training_paces",
    "vdot_from_race",
    "vdot_pace_zones",
]
