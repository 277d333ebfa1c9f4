"""Request body limits, enforced while the body is read: a pure ASGI middleware.

Each request gets the limit of its route: the upload route takes `upload_max_request_bytes` (all its files),
the Garmin push route its own `MAX_BODY_BYTES`, everything else `max_body_bytes` (JSON, small). A declared
`Content-Length` over the limit is answered 413 before a byte of the body is read; otherwise the bytes are
counted as they arrive (chunked bodies too), and the moment the count passes the limit the read fails with
`BodyTooLarge` — an `HTTPException`, so FastAPI's body parsing re-raises it and the error handlers answer it
as a 413 problem — and nothing more is read: at most one chunk past the limit is ever in memory.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem_response

__all__ = ["BodyLimit", "BodyTooLarge"]


def _size(limit: int) -> str:
    return f"{limit / 2**20:g} MB" if limit >= 2**20 else f"{limit / 1024:g} KB"


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(
            status_code=413,
            detail=f"The request body is larger than {_size(limit)}, the most this address accepts. Send a "
            "smaller request (to import activities, upload fewer files at once).",
        )


class BodyLimit:
    """See the module docstring. `by_path`: exact request paths with a limit of their own."""

    def __init__(self, app: ASGIApp, *, default: int, by_path: dict[str, int]) -> None:
        self.app = app
        self.default = default
        self.by_path = by_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.by_path.get(scope["path"].rstrip("/") or "/", self.default)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await problem_response(Request(scope), 413, BodyTooLarge(limit).detail)(scope, receive, send)
            return

        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge as exc:  # read outside a route's error handlers (a middleware, a mount)
            if started:
                raise
            await problem_response(Request(scope), 413, exc.detail)(scope, receive, send)
