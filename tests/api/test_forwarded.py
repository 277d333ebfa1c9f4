"""Behind a proxy, rate limits key on each client's own address: the api's uvicorn
(`api.server.server_config`) believes `X-Forwarded-For` only from `forwarded_allow_ips`. Real uvicorn on
loopback; the "proxy" connects from 127.0.0.2 (not uvicorn's default trusted 127.0.0.1), as nginx does from
its own container address."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import httpx
import uvicorn
from fastapi import FastAPI

from api.server import server_config
from tests.api.conftest import SERVER_HANG_S, make_settings, new_email

PROXY = "127.0.0.2"


async def _failed_logins(app_factory: Callable[..., FastAPI], trusted: str | None) -> list[int]:
    """Statuses of 4 failed sign-ins, each from a different client behind the proxy (limit: 3 per IP)."""
    settings = make_settings(rate_limit_login_ip="3/minute", forwarded_allow_ips=trusted)
    app = app_factory(rate_limit_login_ip="3/minute", forwarded_allow_ips=trusted)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(server_config(app, settings, host="127.0.0.1", port=0))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await asyncio.wait_for(_started(server, task), SERVER_HANG_S)
        transport = httpx.AsyncHTTPTransport(local_address=PROXY)
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        async with httpx.AsyncClient(transport=transport, base_url=base_url, timeout=SERVER_HANG_S) as proxy:
            statuses = []
            for client in range(4):  # a different e-mail each time: only the per-IP limit can apply
                response = await proxy.post(
                    "/api/v1/auth/login",
                    json={"email": new_email(), "password": "wrong password here"},
                    headers={"X-Forwarded-For": f"203.0.113.{client + 1}"},
                )
                statuses.append(response.status_code)
            return statuses
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, SERVER_HANG_S)


async def _started(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    while True:
        if server.started:
            return
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.01)


async def test_a_trusted_proxy_passes_on_each_clients_address(app_factory: Callable[..., FastAPI]) -> None:
    assert await _failed_logins(app_factory, PROXY) == [401, 401, 401, 401], "four clients, one try each"


async def test_x_forwarded_for_from_anyone_else_is_ignored(app_factory: Callable[..., FastAPI]) -> None:
    statuses = await _failed_logins(app_factory, None)  # uvicorn's default: only 127.0.0.1 is believed
    assert statuses == [401, 401, 401, 429], "one address (the connection's) for all four"
