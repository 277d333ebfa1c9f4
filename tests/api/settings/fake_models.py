"""A fake model server on loopback answering the cheap status requests the SDKs make: OpenAI's
`GET /v1/models` (OpenAI, Ollama, llama.cpp and vLLM serve it) and Gemini's `GET /v1beta/models/{model}`.

`status` (and `body`) make every answer an error of that kind, `delay_s` makes it slow, `models` is what
the list holds. Each request's path and headers are kept in `requests`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.http_server import serving


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class FakeModels:
    models: list[str] = field(default_factory=lambda: ["llama3.1", "gemini-2.5-flash"])
    status: int = 200
    body: dict[str, Any] | None = None
    delay_s: float = 0.0
    requests: list[Seen] = field(default_factory=list)
    url: str = ""

    def answer(self, path: str) -> tuple[int, dict[str, Any]]:
        if self.status != 200:
            return self.status, self.body or {"error": {"message": "failed", "code": self.status}}
        bare = path.split("?", 1)[0]
        if bare.endswith("/v1/models"):
            return 200, {
                "object": "list",
                "data": [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.models],
            }
        if "/models/" in bare:
            name = bare.rsplit("/", 1)[-1]
            if name not in self.models:
                return 404, {
                    "error": {"code": 404, "message": f"models/{name} is not found", "status": "NOT_FOUND"}
                }
            return 200, {
                "name": f"models/{name}",
                "displayName": name,
                "inputTokenLimit": 1048576,
                "outputTokenLimit": 65536,
                "supportedGenerationMethods": ["generateContent"],
            }
        return 404, {"error": {"message": "no such route"}}


@contextmanager
def fake_models(**kwargs: Any) -> Iterator[FakeModels]:
    fake = FakeModels(**kwargs)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            fake.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
            if fake.delay_s:
                time.sleep(fake.delay_s)
            status, payload = fake.answer(self.path)
            body = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                pass

    with serving(Handler) as url:
        fake.url = url
        yield fake
