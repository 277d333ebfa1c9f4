"""Conditional GET for the dashboard and list endpoints: `ETag` / `If-None-Match` → 304 with no body.

A route opts in with one line, `dependencies=[conditional]`. Before the endpoint runs, the dependency
derives the validator from the caller's data version (`tools.account.versions`, bumped after every commit
that changes what they see), their local date (lists show "days to go", today's load and readiness), the
request's path and query, and the API version; it sets `ETag` and `Cache-Control: private, no-cache`. If the
request's `If-None-Match` matches, the endpoint never runs: 304, no body, no database query for the list.

The tag is weak (`W/"…"`): equal tags promise the same data, not byte-identical serialisation.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from fastapi import Depends, Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import CurrentUser, RedisDep
from core import data_versions as versions
from tools.deps import user_zone

#: part of every tag: change it when a representation changes shape, so old tags stop matching
REPRESENTATION = "1"
CACHE_CONTROL = "private, no-cache"


def make_etag(version: str, *, user_id: int, today: str, target: str) -> str:
    material = "\x1f".join((REPRESENTATION, str(user_id), version, today, target))
    return f'W/"{hashlib.sha256(material.encode()).hexdigest()[:32]}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison against a list of tags. (`*` never matches: whether the resource exists
    is the endpoint's to say, and it has not run.)"""
    if not if_none_match:
        return False
    opaque = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate.removeprefix("W/") == opaque:
            return True
    return False


async def _conditional(request: Request, response: Response, user: CurrentUser, redis: RedisDep) -> None:
    version = await versions.current(redis, user.id)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    today = datetime.now(user_zone(user)).date().isoformat()
    etag = make_etag(version, user_id=user.id, today=today, target=target)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Authorization, Cookie"}
    if matches(request.headers.get("if-none-match"), etag):
        raise StarletteHTTPException(304, headers=headers)
    response.headers.update(headers)


#: `@router.get(..., dependencies=[conditional])`
conditional: Any = Depends(_conditional)
