"""The one error hierarchy. Every error says what happened and what the user can do next.

Adapters map these to their medium in one place each: `api/errors.py` (HTTP problem details),
the agent stream (an `error` event), the CLI (a line on stderr and a non-zero exit code).
"""

from __future__ import annotations

from typing import Any, ClassVar


class CoachError(Exception):
    """Base of every error RunCoach raises on purpose.

    `message` is for the user (what happened, what to do next); `code` is stable and machine-readable;
    `status` is the HTTP status the API maps it to; `details` carries structured context (never secrets).
    """

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 500
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class InvalidInput(CoachError):
    code = "invalid_input"
    status = 422


class TrainingInputError(InvalidInput, ValueError):
    """A number given to a training calculation is out of its domain (negative time, max HR ≤ resting…).

    Also a `ValueError`, so plain Python callers of the pure sports science can catch it as such."""

    code = "invalid_training_input"


class PlanInputError(TrainingInputError):
    """The inputs of a training plan cannot produce a safe plan (race in the past, too few weeks…)."""

    code = "invalid_plan_input"


class NotFound(CoachError):
    code = "not_found"
    status = 404


class Conflict(CoachError):
    code = "conflict"
    status = 409


class Unauthorized(CoachError):
    code = "unauthorized"
    status = 401


class Forbidden(CoachError):
    code = "forbidden"
    status = 403


class RateLimited(CoachError):
    code = "rate_limited"
    status = 429
    retryable = True

    def __init__(self, message: str, *, retry_after_s: float, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details={**(details or {}), "retry_after_s": retry_after_s})
        self.retry_after_s = retry_after_s


class ServiceUnavailable(CoachError):
    """A part we depend on (database, Redis, a model provider, Garmin, Strava) is not answering."""

    code = "service_unavailable"
    status = 503
    retryable = True


class NotConfigured(CoachError):
    """A feature this server's operator has not set up (e.g. no Strava app credentials)."""

    code = "not_configured"
    status = 409


class IntegrationError(CoachError):
    """A third-party service (Garmin, Strava, Telegram) refused or failed a request."""

    code = "integration_error"
    status = 502


class ReauthRequired(IntegrationError):
    """Stored credentials for a third-party service no longer work; the user must connect again."""

    code = "reauth_required"
    status = 409
