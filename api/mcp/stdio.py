"""`runcoach mcp` (stdio): an MCP client starts this process and talks JSON-RPC over its stdin/stdout.

The process acts as the one user whose personal API token it was given (`--token` or RUNCOACH_MCP_TOKEN);
the token is checked at start (a bad one exits with a message on stderr) and again on every request.
Nothing but protocol messages may reach stdout: logs go to stderr.
"""

from __future__ import annotations

from typing import Any

from mcp.server import ServerRequestContext
from mcp.server.stdio import stdio_server

from api.mcp.auth import Caller, verify
from api.mcp.server import build_server
from core.settings import Settings


async def serve_stdio(token: str, settings: Settings) -> int:
    await verify(token)  # Unauthorized (a clear message, exit 1) before the client hears anything

    async def identify(ctx: ServerRequestContext[Any, Any]) -> Caller:
        return await verify(token)

    server = build_server(identify, settings)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
    return 0
