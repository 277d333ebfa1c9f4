"""`runcoach mcp --transport http`: the MCP server over Streamable HTTP at `/mcp`.

Stateless (no MCP session kept in memory) with JSON responses, so any number of replicas can serve it
behind a load balancer like the api; confirmations live in Redis. Every request needs
`Authorization: Bearer rc_…` (the SDK's bearer middleware answers 401 with `WWW-Authenticate` otherwise).
On a loopback host the SDK's DNS-rebinding protection (Host/Origin checks) is on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server import ServerRequestContext
from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend, RequireAuthMiddleware
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.routing import Route

from api.mcp.auth import ApiTokenVerifier, Caller, caller_from_http
from api.mcp.server import build_server
from core.database import dispose_engine
from core.redis import close_redis
from core.settings import Settings, get_settings

MCP_PATH = "/mcp"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


async def _identify(ctx: ServerRequestContext[Any, Any]) -> Caller:
    return caller_from_http(ctx.request)


def _security(host: str) -> TransportSecuritySettings | None:
    if host not in LOOPBACK:
        return None  # behind a proxy: its host names are the proxy's business; a token is needed anyway
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
    )


def create_mcp_app(settings: Settings | None = None, *, host: str | None = None) -> Starlette:
    settings = settings or get_settings()
    manager = StreamableHTTPSessionManager(
        app=build_server(_identify, settings),
        stateless=True,
        json_response=True,
        security_settings=_security(host or settings.host),
    )
    endpoint = RequireAuthMiddleware(StreamableHTTPASGIApp(manager), required_scopes=[])

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with manager.run():
            yield
        await close_redis()
        await dispose_engine()

    return Starlette(
        routes=[Route(MCP_PATH, endpoint=endpoint)],
        middleware=[
            Middleware(AuthenticationMiddleware, backend=BearerAuthBackend(ApiTokenVerifier())),
            Middleware(AuthContextMiddleware),
        ],
        lifespan=lifespan,
    )
