"""The OpenAPI document the web app's client is generated from.

On top of FastAPI's output:
- operation ids are `<tag>-<function name>` (stable, readable client method names);
- every error response (4xx/5xx) is `application/problem+json` with the `Problem` schema — including the
  422 FastAPI adds on its own, so `HTTPValidationError` never appears;
- operations behind `CurrentUser` (they carry `security`) document 401, and unsafe ones 403 (CSRF);
  operations with parameters or a body document 422; every operation documents 503.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api.errors import PROBLEM_MEDIA_TYPE, Problem

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_UNSAFE = {"post", "put", "patch", "delete"}


def operation_id(route: APIRoute) -> str:
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}},
    }


def _own_schema(response: dict[str, Any]) -> bool:
    """True when a documented error response has a body schema other than Problem / FastAPI's 422."""
    refs = json.dumps(response.get("content", {}))
    return '"$ref"' in refs and "/Problem" not in refs and "/HTTPValidationError" not in refs


def _tidy(spec: dict[str, Any]) -> dict[str, Any]:
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    for path, path_item in spec.get("paths", {}).items():
        for method, op in path_item.items():
            if method not in {"get", "put", "post", "delete", "patch", "head", "options", "trace"}:
                continue
            responses: dict[str, Any] = op.setdefault("responses", {})
            wanted = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
            if op.get("security"):
                wanted.add(401)
                if method in _UNSAFE:
                    wanted.add(403)
            if op.get("parameters") or op.get("requestBody"):
                wanted.add(422)
            if path.startswith("/api/"):
                wanted.add(503)
            for status in sorted(wanted):
                existing = responses.get(str(status), {})
                if _own_schema(existing):
                    continue  # the route documents its own body for this status (e.g. /readyz's 503)
                responses[str(status)] = _problem(status)
                if existing.get("description") not in (None, "Validation Error"):
                    responses[str(status)]["description"] = existing["description"]
    for unused in ("HTTPValidationError", "ValidationError"):
        schema = schemas.pop(unused, None)
        if schema is not None and f'"#/components/schemas/{unused}"' in json.dumps(spec):
            schemas[unused] = schema  # someone else's model of that name
    return spec


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _tidy(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    summary=app.summary,
                    description=app.description,
                    routes=app.routes,
                    tags=app.openapi_tags,
                    servers=app.servers,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
