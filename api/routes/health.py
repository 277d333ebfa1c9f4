"""Liveness and readiness. Ready means: the database answers, migrations are current, Redis answers, and
the process is not stopping (a stopping api answers 503 `draining`: `api.server`)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.server import is_draining
from core.database import get_engine
from core.migrate import engine_revision, head_revision
from core.redis import get_redis

TAGS = [
    {"name": "health", "description": "Liveness and readiness"},
]
router = APIRouter(tags=["health"])


class Check(BaseModel):
    ok: bool
    revision: str | None = None
    head: str | None = None
    error: str | None = None


class Readiness(BaseModel):
    status: str
    checks: dict[str, Check]


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _check_database() -> dict[str, Any]:
    revision = await engine_revision(get_engine())
    head = head_revision()
    return {"ok": revision == head, "revision": revision, "head": head}


async def _check_redis() -> dict[str, Any]:
    return {"ok": bool(await get_redis().ping())}


async def _guard(name: str, check: Any) -> dict[str, Any]:
    try:
        return await asyncio.wait_for(check(), timeout=3)
    except Exception as exc:
        return {"ok": False, "error": f"{name}: {type(exc).__name__}: {exc}"[:300]}


@router.get(
    "/readyz",
    summary="Ready to serve: database, migrations and Redis, and not stopping",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready: see which check failed"}},
)
async def readyz(request: Request) -> JSONResponse:
    if is_draining(request.app):  # stopping: a load balancer should send nothing new here
        return JSONResponse({"status": "draining", "checks": {}}, status_code=503)
    checks = {
        "database": await _guard("database", _check_database),
        "redis": await _guard("redis", _check_redis),
    }
    ready = all(check["ok"] for check in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
    )
