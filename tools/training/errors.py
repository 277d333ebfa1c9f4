"""Errors raised by the training science on input it cannot use.

Both are `ValueError`s (so plain Python callers can catch them as such) and `InvalidInput`s (so the API,
the agent stream and the CLI map them like every other user error). Messages say what to change.
"""

from __future__ import annotations

from core.errors import InvalidInput


class TrainingInputError(InvalidInput, ValueError):
    """A number given to a training calculation is out of its domain (negative time, max HR ≤ resting…)."""

    code = "invalid_training_input"


class PlanInputError(TrainingInputError):
    """The inputs of a training plan cannot produce a safe plan (race in the past, too few weeks…)."""

    code = "invalid_plan_input"
