"""Every error → RFC 9457 problem details (`application/problem+json`), in this one module.

- `CoachError` (raised by tools) → its `status`; `detail` is its user-facing message, `code` its stable code,
  `details` its structured context. `RateLimited` adds `Retry-After`, `Unauthorized` `WWW-Authenticate`.
- Request validation → 422, code `invalid_input`, with `errors[]`: `field` ("body.email"), `message`, `type`.
  The offending values are never echoed (they may be passwords).
- Starlette `HTTPException` (unknown route, wrong method) → the same shape.
- Database or Redis not answering (connection refused, pool timeout, dropped connection, a server that is
  shutting down or still starting up) → 503
  `service_unavailable` with `Retry-After`, quickly, instead of a 500 after a long hang.
- Anything else → 500 without internals; the traceback is logged with the request id, which the body
  carries so a user can quote it.

Route authors: raise `CoachError` subclasses from `core.errors`; document them with
`responses=problem_responses(404, 409)`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from redis import exceptions as redis_exc
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.database import is_unavailable
from core.errors import CoachError, RateLimited, ServiceUnavailable, Unauthorized
from core.logs import request_id_var

log = logging.getLogger("api.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
DB_UNAVAILABLE = "The database is not answering right now. Wait a moment and try again."
REDIS_UNAVAILABLE = (
    "The session and cache store (Redis) is not answering right now. Wait a moment and try again."
)
INTERNAL = "Something went wrong on our side. Try again; if it keeps happening, report the request id."
UNAVAILABLE_RETRY_AFTER_S = 5
#: character_not_in_repertoire: text PostgreSQL cannot store (the NUL character), always from the request
UNSTORABLE_TEXT_SQLSTATE = "22021"
UNSTORABLE_TEXT = (
    "Some text in the request contains a character that cannot be stored (the NUL character, \\u0000). "
    "Remove it and send the request again."
)
#: a request value the driver cannot even send (a number past 64 bits: asyncpg's client-side DataError)
OUT_OF_RANGE = (
    "A number in the request is outside the range that can be stored (at most 9223372036854775807). "
    "Check the values and send the request again."
)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
    503: "service_unavailable",
}
_HTTP_DETAILS = {
    404: "There is nothing at this address. Check the URL against the API documentation at /api/docs.",
    405: "This address does not accept that method. Check the API documentation at /api/docs.",
}


class FieldError(BaseModel):
    field: str = Field(description="where the problem is, dotted: 'body.email', 'query.limit'")
    message: str
    type: str = Field(description="a stable error type, e.g. 'missing', 'string_too_short'")


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str = Field(description="a URI naming the problem type: urn:runcoach:problem:<code>")
    title: str = Field(description="short summary of the problem type")
    status: int
    detail: str = Field(description="what happened and what to do next, for people")
    code: str = Field(description="stable machine-readable code, e.g. not_found, rate_limited")
    instance: str | None = Field(default=None, description="the request path")
    request_id: str | None = None
    details: dict[str, Any] | None = Field(default=None, description="structured context, never secrets")
    errors: list[FieldError] | None = Field(default=None, description="field errors (422 only)")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for these error statuses, all typed as `Problem`."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    code: str | None = None,
    details: dict[str, Any] | None = None,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    code = code or _HTTP_CODES.get(status, "error")
    body = Problem(
        type=f"urn:runcoach:problem:{code}",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        code=code,
        instance=request.url.path,
        request_id=request_id_var.get(),
        details=details or None,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE
    )


async def coach_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CoachError)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after_s)))
    elif isinstance(exc, ServiceUnavailable):
        headers["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER_S)
    elif isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="runcoach"'
    if exc.status >= 500:
        log.warning("%s: %s", exc.code, exc.message)
    return problem_response(
        request, exc.status, exc.message, code=exc.code, details=exc.details, headers=headers or None
    )


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc) or "request"


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldError(
            field=_field(err.get("loc", ())),
            message=str(err.get("msg", "invalid")),
            type=str(err.get("type")),
        )
        for err in exc.errors()
    ]
    fields = ", ".join(f"{e.field} ({e.message})" for e in errors[:5])
    return problem_response(
        request,
        422,
        f"Some of the request is not valid: {fields}. Correct it and send it again.",
        errors=errors,
    )


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 304:  # Not Modified (api/etag.py): headers only, never a body
        return Response(status_code=304, headers=exc.headers)
    detail = _HTTP_DETAILS.get(exc.status_code) or (
        exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    )
    return problem_response(request, exc.status_code, detail, headers=exc.headers)


def _service_unavailable(request: Request, exc: Exception, service: str, message: str) -> JSONResponse:
    log.error("%s unavailable: %s", service, type(exc).__name__)
    return problem_response(
        request,
        503,
        message,
        code="service_unavailable",
        details={"service": service},
        headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_S)},
    )


async def database_unavailable_handler(request: Request, exc: Exception) -> JSONResponse:
    return _service_unavailable(request, exc, "database", DB_UNAVAILABLE)


async def database_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Other driver errors: 503 when their SQLSTATE says the server is away ("the database system is
    starting up", "terminating connection due to administrator command"); anything else is a bug (500)."""
    if is_unavailable(exc):
        return await database_unavailable_handler(request, exc)
    if getattr(getattr(exc, "orig", exc), "sqlstate", None) == UNSTORABLE_TEXT_SQLSTATE:
        return problem_response(request, 422, UNSTORABLE_TEXT, code="invalid_input")
    if _caused_by(exc, (OverflowError, asyncpg.exceptions.DataError)):
        return problem_response(request, 422, OUT_OF_RANGE, code="invalid_input")
    raise exc


def _caused_by(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    seen: BaseException | None = exc
    for _ in range(10):  # the driver's wrappers nest a few levels deep
        if seen is None:
            return False
        if isinstance(seen, kinds):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def redis_unavailable_handler(request: Request, exc: Exception) -> JSONResponse:
    return _service_unavailable(request, exc, "redis", REDIS_UNAVAILABLE)


async def integrity_error_handler(request: Request, exc: Exception) -> JSONResponse:
    log.warning("integrity error: %s", type(getattr(exc, "orig", exc)).__name__)
    return problem_response(
        request,
        409,
        "That conflicts with something that already exists or was changed meanwhile. Reload and try again.",
        code="conflict",
    )


def internal_error_response(request: Request) -> JSONResponse:
    """The 500 answer for an unhandled exception (the middleware logs it first)."""
    return problem_response(request, 500, INTERNAL, code="internal_error")


#: exceptions that mean "the database is not answering" (asyncpg raises plain OSErrors on connect; those
#: are caught where the session connects, in api.deps, and arrive here as ServiceUnavailable)
DATABASE_DOWN: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
)
REDIS_DOWN: tuple[type[Exception], ...] = (redis_exc.ConnectionError, redis_exc.TimeoutError)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CoachError, coach_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(sa_exc.IntegrityError, integrity_error_handler)
    for db_exc in DATABASE_DOWN:
        app.add_exception_handler(db_exc, database_unavailable_handler)
    app.add_exception_handler(sa_exc.DBAPIError, database_error_handler)
    for redis_error in REDIS_DOWN:
        app.add_exception_handler(redis_error, redis_unavailable_handler)
