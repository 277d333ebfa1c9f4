"""Per-request context, timing and the last-resort error answer, as one pure ASGI middleware.

- Request id: a well-formed incoming `X-Request-ID` (≤ 64 of `[A-Za-z0-9._-]`) is kept, anything else is
  replaced by a fresh one; it is set in `core.logs.request_id_var` for every log line and returned in the
  `X-Request-ID` response header. `user_id_var` starts empty (the auth dependency fills it) and is reset.
- Timing: `runcoach_http_request_duration_seconds{route, method, status}`, where `route` is the matched
  route template (`/api/v1/tokens/{token_id}`), the mount path for mounts, or `unmatched` — never the raw
  path, so label values stay bounded. Streaming responses are timed to their end.
- An exception nobody handled becomes a 500 problem (no internals), logged once with its traceback; if
  the response had already started (a stream), the connection is closed instead.
- Access log line `api.access`: method, path (no query string: it may carry secrets), status, duration.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
import weakref
from typing import Any

from fastapi.routing import iter_route_contexts
from prometheus_client import Histogram
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import internal_error_response
from core.logs import request_id_var, user_id_var

log = logging.getLogger("api.errors")
access_log = logging.getLogger("api.access")

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

HTTP_REQUEST_DURATION = Histogram(
    "runcoach_http_request_duration_seconds",
    "HTTP request latency, by route template, method and status",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


#: per app: id(route) → full template (ids are only stable while the app, which holds its routes, lives)
_templates: weakref.WeakKeyDictionary[Any, dict[int, str]] = weakref.WeakKeyDictionary()


def _full_templates(app: Any) -> dict[int, str]:
    """id(route) → its full path template. FastAPI ≥ 0.16x keeps included routers nested, so a matched
    route's own `path` lacks its routers' prefixes; `iter_route_contexts` gives the effective one."""
    out: dict[int, str] = {}
    for context in iter_route_contexts(getattr(app, "routes", [])):
        path = context.path_format or context.path
        if isinstance(path, str):
            out.setdefault(id(context.original_route), path.removesuffix("/{path}"))
    return out


def route_label(scope: Scope) -> str:
    route: Any = scope.get("route")
    if route is None:
        return "unmatched"
    app = scope.get("app")
    known = _templates.setdefault(app, {}) if app is not None else {}
    template = known.get(id(route))
    if template is None:
        known.update(_full_templates(app))  # first request, or routes added after start-up
        template = known.get(id(route)) or getattr(route, "path", None) or "unmatched"
    return template or "/"


#: on every response; the web app loads only its own scripts and styles, talks only to its own origin, and
#: is never framed. The API docs page (Swagger UI from a CDN) gets all but the content policy.
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def _secure(headers: MutableHeaders, scope: Scope) -> None:
    for name, value in SECURITY_HEADERS:
        headers.setdefault(name, value)
    if scope.get("path", "").startswith("/api/docs"):
        headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    else:
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if scope.get("scheme") == "https":  # behind a TLS proxy with trusted forwarded headers, too
        headers.setdefault("Strict-Transport-Security", HSTS)


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Request(scope).headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        rid_token = request_id_var.set(request_id)
        uid_token = user_id_var.set(None)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = request_id
                _secure(headers, scope)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if response_started:
                raise
            status = 500
            await internal_error_response(Request(scope))(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            method = scope.get("method", "")
            HTTP_REQUEST_DURATION.labels(route_label(scope), method, str(status)).observe(elapsed)
            access_log.info("%s %s %s %.1fms", method, scope.get("path"), status, elapsed * 1000)
            user_id_var.reset(uid_token)
            request_id_var.reset(rid_token)
