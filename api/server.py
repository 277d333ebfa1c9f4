"""`runcoach api`: uvicorn serving the app, with a stop that a rolling deploy can rely on.

On SIGTERM (or Ctrl-C):

1. **Draining** (`api_drain_s`, default 0): `/readyz` answers 503 (`"status": "draining"`) while everything
   else is served as usual, so a load balancer that polls readiness (Kubernetes, HAProxy, Traefik) stops
   sending traffic here before the socket closes. Every response now says `Connection: close`, so a proxy
   keeps no idle connection to this process: with a drain at least as long as nginx's upstream
   `keepalive_timeout` (4 s, deploy/nginx/), nginx holds none when the socket closes, and never sends a
   request down a connection that this process is closing (a POST sent that way would be a 502: nginx does
   not retry it). A second signal ends this phase at once.
2. **Stopping** (uvicorn): the listening socket closes (new connections are refused: nginx passes them to
   the next upstream); after `ACCEPT_SETTLE_S`, idle keep-alive connections close and requests in flight
   finish (at most `GRACEFUL_S`). The pause matters: uvicorn closes a connection whose request it has
   not started reading as idle, so a connection accepted just before the socket closed would be reset
   with its request unanswered (a POST that nginx may not resend: a 502). Found by the rolling-restart
   test, once in a fresh-clone run. Chat streams end cleanly — the last chunk, no final event — so their
   clients resume with `Last-Event-ID` on another replica (`api.chat.sse`).
3. **Lifespan shutdown**: running chat turns get `chat_shutdown_grace_s` to finish; they keep writing to the
   Redis buffer, which the other replica streams from; a turn still running after that ends as
   interrupted and is saved (`api.chat.turns.TurnRunner.close`). Then the pools close.

An orchestrator's stop timeout (compose `stop_grace_period`) must exceed the sum, or the process is killed
(SIGKILL) with turns still open: their readers then end them as interrupted (`api.chat.buffer`).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from types import FrameType

import uvicorn
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from core.settings import Settings

__all__ = [
    "ACCEPT_SETTLE_S",
    "GRACEFUL_S",
    "CloseWhenDraining",
    "DrainingServer",
    "is_draining",
    "serve",
    "server_config",
]

log = logging.getLogger(__name__)

#: how long uvicorn waits for requests in flight once it stops (chat streams end within a second)
GRACEFUL_S = 15
#: between closing the listening socket and closing idle connections: lets the request of a connection
#: accepted just before arrive and be read (a proxy sends it at once)
ACCEPT_SETTLE_S = 0.5


def is_draining(app: FastAPI) -> bool:
    """Whether this api process has been asked to stop (its /readyz answers 503)."""
    return bool(getattr(app.state, "draining", False))


class DrainingServer(uvicorn.Server):
    """uvicorn with a draining phase before it stops (see the module docstring)."""

    def __init__(self, config: uvicorn.Config, app: FastAPI, drain_s: float) -> None:
        super().__init__(config)
        self.app = app
        self.drain_s = drain_s
        self._drain_until: float | None = None
        self._drain_signal = 0
        self._drain_logged = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # a signal handler: set flags only (no logging, no awaiting)
        self.app.state.draining = True
        if self.drain_s > 0 and self._drain_until is None and not self.should_exit:
            self._drain_until = time.monotonic() + self.drain_s
            self._drain_signal = sig
            return
        super().handle_exit(sig, frame)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:  # stop accepting first (see ACCEPT_SETTLE_S)
            server.close()
        await asyncio.sleep(ACCEPT_SETTLE_S)
        await super().shutdown(sockets)

    async def on_tick(self, counter: int) -> bool:
        if self._drain_until is not None and not self.should_exit:
            if not self._drain_logged:
                self._drain_logged = True
                log.info("draining: /readyz answers 503 for %.0f s, then the api stops", self.drain_s)
            if time.monotonic() >= self._drain_until:
                super().handle_exit(self._drain_signal, None)  # uvicorn re-raises it once stopped
        return await super().on_tick(counter)


class CloseWhenDraining:
    """ASGI middleware: while the app drains, each response closes its connection (see step 1 above)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_draining(self.app):
            await self.app(scope, receive, send)
            return

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, closing)


def serve(settings: Settings, *, host: str, port: int) -> None:
    """Run the api until a signal stops it (gracefully, as above)."""
    from api.app import create_app  # not at import: the health route imports `is_draining` from here

    app = create_app(settings)
    DrainingServer(server_config(app, settings, host=host, port=port), app, settings.api_drain_s).run()


def server_config(app: FastAPI, settings: Settings, *, host: str, port: int) -> uvicorn.Config:
    """uvicorn's configuration for the api. `X-Forwarded-For`/`-Proto` are believed only from the proxies in
    `forwarded_allow_ips` (unset: uvicorn's default, 127.0.0.1): behind nginx on another address, that is
    how rate limits and logs see each client's own address instead of the proxy's."""
    return uvicorn.Config(
        CloseWhenDraining(app),
        host=host,
        port=port,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=GRACEFUL_S,
        access_log=False,
    )
