"""Request body limits, enforced while the body is read (`api.body_limit`): small for JSON routes, the upload
limit for uploads, the Garmin push route's own; a declared Content-Length over it is refused before reading,
a chunked body without one the moment it passes the limit. Real uvicorn on loopback, raw HTTP/1.1 for the
chunked bodies (a client that sends the whole body before reading the answer could not show when it came)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from tests.api.conftest import Servers, assert_problem, client_for, login, new_email, register

HANG_S = 30.0  # a bound on waiting for the server: a hang fails instead of blocking (not a timing check)
CHUNK = 64 * 1024
OFFERED = 128 * 2**20  # far more than any limit plus what the sockets buffer on the way
PUSH_TOKEN = "garmin-push-0d1b2c3e4f"


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[FastAPI], Any]]:
    servers = Servers()

    async def start(app: FastAPI) -> str:
        return await servers.start(app, lifespan="off")

    yield start
    await servers.close()


async def _chunked_post(base_url: str, path: str, headers: dict[str, str]) -> tuple[int, bytes, int]:
    """POST an endless-looking chunked body (up to OFFERED bytes) while reading the answer: the status, the
    body of the answer, and how many body bytes had been sent when the answer came."""
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = [f"POST {path} HTTP/1.1", f"Host: {host}", "Transfer-Encoding: chunked"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    sent = 0
    chunk = b"%x\r\n" % CHUNK + b"[" * CHUNK + b"\r\n"

    async def send_body() -> None:
        nonlocal sent
        with contextlib.suppress(ConnectionError):
            while sent < OFFERED:
                writer.write(chunk)
                await writer.drain()
                sent += CHUNK
            writer.write(b"0\r\n\r\n")
            await writer.drain()

    sending = asyncio.create_task(send_body())
    try:
        status_line = await asyncio.wait_for(reader.readline(), HANG_S)
        sent_when_answered = sent
        rest = await asyncio.wait_for(reader.read(64 * 1024), HANG_S)
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
        writer.close()
    return int(status_line.split()[1]), rest, sent_when_answered


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/auth/login", {"Content-Type": "application/json"}),
        (
            "/api/v1/webhooks/garmin",
            {"Content-Type": "application/json", "X-RunCoach-Push-Token": PUSH_TOKEN},
        ),
    ],
    ids=["json-login", "garmin-push"],
)
async def test_a_chunked_body_is_refused_while_it_is_read(
    app_factory: Callable[..., FastAPI], serve: Callable[[FastAPI], Any], path: str, headers: dict[str, str]
) -> None:
    app = app_factory(max_body_bytes=256 * 1024, garmin_push_token=SecretStr(PUSH_TOKEN))
    status, answer, sent = await _chunked_post(await serve(app), path, headers)
    assert status == 413, answer[:500]
    assert b"payload_too_large" in answer and b"larger than" in answer
    assert sent < OFFERED, "answered while the body was still arriving, not after reading all of it"


async def test_a_declared_length_over_the_limit_is_refused_before_reading(
    app_factory: Callable[..., FastAPI],
) -> None:
    app = app_factory(max_body_bytes=4096)
    async with client_for(app) as client:
        email = new_email()
        big = await client.post(
            "/api/v1/auth/login",
            content=b'{"email": "' + b"x" * 5000 + b'"}',
            headers={"Content-Type": "application/json"},
        )
        problem = assert_problem(big, 413, "payload_too_large")
        assert "4 KB" in problem["detail"]
        assert (await register(client, email)).status_code == 201, "a body under the limit is served"
        assert (await login(client, email)).status_code == 200


async def test_uploads_have_their_own_larger_limit(app_factory: Callable[..., FastAPI]) -> None:
    app = app_factory(max_body_bytes=4096, upload_max_request_bytes=96 * 1024, upload_max_file_bytes=2**20)
    async with client_for(app) as client:
        email = new_email()
        assert (await register(client, email)).status_code == 201
        assert (await login(client, email)).status_code == 200

        async def upload(size: int) -> httpx.Response:
            files = [("files", ("run.fit", b"\x0e" * size, "application/octet-stream"))]
            return await client.post("/api/v1/activities/import", files=files)

        accepted = await upload(64 * 1024)  # sixteen times the JSON limit: stored, the job rejects it later
        assert accepted.status_code == 202, accepted.text
        problem = assert_problem(await upload(128 * 1024), 413, "payload_too_large")
        assert "96 KB" in problem["detail"] and "fewer files" in problem["detail"]
