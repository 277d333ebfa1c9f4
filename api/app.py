"""The FastAPI app factory: REST under /api/v1, health, metrics, and the built web app.

Middleware, outermost first: trusted proxy headers (only when `forwarded_allow_ips` is set: uvicorn's own
`--proxy-headers` already covers a proxy on localhost), request context (request id, timing, last-resort
500), CORS (only when `cors_origins` is set: the same-origin web app needs none), body limits (413 while
reading: `api.body_limit`).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from prometheus_client import make_asgi_app
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from agent.checkpoint import close_checkpointer, get_checkpointer
from agent.models import model_chain, report_deprecations
from api import routes
from api.auth import CSRF_HEADER
from api.body_limit import BodyLimit
from api.chat import close_chat
from api.errors import install_error_handlers
from api.middleware import REQUEST_ID_HEADER, RequestContextMiddleware
from api.openapi import install_openapi, operation_id
from api.routes.activities import IMPORT_PATH
from api.routes.webhooks import GARMIN_PUSH_PATH
from api.routes.webhooks import MAX_BODY_BYTES as GARMIN_PUSH_MAX_BYTES
from core.database import dispose_engine
from core.errors import CoachError
from core.redis import close_redis
from core.settings import Settings, get_settings
from tools.account.ratelimit import parse_rate

log = logging.getLogger(__name__)

FRONTEND_DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist"
API_PREFIX = "/api/v1"


def _report_models(settings: Settings) -> None:
    """Say at start-up when a configured model is deprecated or retired (the Settings page says it too)."""
    try:
        report_deprecations(model_chain(settings))
    except CoachError as exc:  # a provider chosen without its key: the first chat turn says what to set
        log.warning("coach model: %s", exc.message)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    _report_models(app.state.settings)
    try:  # the checkpointer's pool, once per process; a chat turn opens it later if the database is away
        await get_checkpointer()
    except Exception:
        log.warning("the conversation store is not ready yet; chat will retry", exc_info=True)
    yield
    # uvicorn has stopped taking requests and ended the chat streams (clients resume on another replica);
    # running chat turns finish within the grace period (or end as interrupted) and are saved
    settings: Settings = app.state.settings
    await close_chat(app, settings.chat_shutdown_grace_s)
    if "bots.telegram.app" in sys.modules:  # the webhook's bot, started by the first update it got
        await sys.modules["bots.telegram.app"].close_webhook_application()
    await close_checkpointer()
    await close_redis()
    await dispose_engine()


def _check_settings(settings: Settings) -> None:
    """Fail at start-up, not at the first sign-in, on a malformed rate."""
    for name in type(settings).model_fields:
        if name.startswith("rate_limit_"):
            try:
                parse_rate(getattr(settings, name))
            except ValueError as exc:
                raise ValueError(f"RUNCOACH_{name.upper()}: {exc}") from None


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    for sub in routes.included(root=False):
        router.include_router(sub)
    return router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    _check_settings(settings)
    app = FastAPI(
        title="RunCoach",
        version="0.1.0",
        summary="Self-hosted AI running coach",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
        openapi_tags=routes.tags(),
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    install_error_handlers(app)
    install_openapi(app)
    for sub in routes.included(root=True):
        app.include_router(sub)
    app.include_router(api_router())
    app.mount("/metrics", make_asgi_app())

    app.add_middleware(
        BodyLimit,
        default=settings.max_body_bytes,
        by_path={
            API_PREFIX + IMPORT_PATH: settings.upload_max_request_bytes,
            API_PREFIX + GARMIN_PUSH_PATH: GARMIN_PUSH_MAX_BYTES,
        },
    )
    if settings.cors_origins:
        wildcard = "*" in settings.cors_origins
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=not wildcard,  # never cookies for "any origin"
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", CSRF_HEADER, REQUEST_ID_HEADER, "Last-Event-ID"],
            expose_headers=[REQUEST_ID_HEADER, "Retry-After"],
            max_age=600,
        )
    app.add_middleware(RequestContextMiddleware)
    if settings.forwarded_allow_ips:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)

    if (FRONTEND_DIST / "index.html").exists():
        app.mount("/", StaticFiles(directory=FRONTEND_DIST, html=True), name="web")
    return app
