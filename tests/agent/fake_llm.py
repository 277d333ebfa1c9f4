"""A fake OpenAI-compatible (and Gemini-shaped) HTTP server on loopback, for the real SDK client paths.

Each request is answered by the next entry of `script` (the last one repeats): a `Reply` says what to send.
Chat completions (`/chat/completions`) are streamed as server-sent events in the shape OpenAI sends (role
chunk, content or tool-call deltas, finish chunk, usage chunk, `[DONE]`); the Responses API (`/responses`,
what OpenAI's own models are called through) as its typed events (`response.created`, `output_item.added`,
`output_text.delta` or `function_call_arguments.delta`, `output_item.done`, `response.completed` with usage).
Every request body is kept in `requests`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.http_server import serving


@dataclass
class Reply:
    status: int = 200
    text: str | None = None  # streamed as content deltas
    tool: tuple[str, str] | None = None  # (name, raw JSON arguments), streamed as tool-call deltas
    raw: bytes | None = None  # sent as is (with `status`)
    delay_s: float = 0.0
    # mid-stream: after the first content chunk, wait for this event (at most `hold_max_s`) before the rest;
    # an event never set is a model that stops sending half way
    hold: threading.Event | None = None
    hold_max_s: float = 60.0


@dataclass
class FakeLLM:
    script: list[Reply]
    requests: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    url: str = ""
    held: threading.Event = field(default_factory=threading.Event)  # a reply reached its `hold`

    def next_reply(self) -> Reply:
        index = min(len(self.requests) - 1, len(self.script) - 1)
        return self.script[index]


def _chunk(delta: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None) -> bytes:
    body: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1_790_000_000,
        "model": "fake-model",
        "choices": [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if usage:
        body["usage"] = usage
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def _stream(reply: Reply) -> Iterator[bytes]:
    yield _chunk({"role": "assistant", "content": ""})
    if reply.tool is not None:
        name, arguments = reply.tool
        yield _chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_fake_1",
                        "type": "function",
                        "function": {"name": name, "arguments": ""},
                    }
                ]
            }
        )
        for i in range(0, len(arguments), 7):
            yield _chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments[i : i + 7]}}]})
        yield _chunk({}, finish="tool_calls")
    else:
        text = reply.text or ""
        for i in range(0, len(text), 5):
            yield _chunk({"content": text[i : i + 5]})
        yield _chunk({}, finish="stop")
    yield _chunk({}, usage={"prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49})
    yield b"data: [DONE]\n\n"


def _event(kind: str, sequence: int, **fields: Any) -> bytes:
    body = {"type": kind, "sequence_number": sequence, **fields}
    return f"event: {kind}\ndata: {json.dumps(body)}\n\n".encode()


def _response(status: str, output: list[dict[str, Any]], usage: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": "resp_fake",
        "object": "response",
        "created_at": 1_790_000_000,
        "model": "fake-model",
        "status": status,
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": usage,
    }


def _responses_stream(reply: Reply) -> Iterator[bytes]:
    """One Responses API stream: a text message or one function call, then `response.completed`."""
    seq = iter(range(1_000_000))
    yield _event("response.created", next(seq), response=_response("in_progress", [], None))
    if reply.tool is not None:
        name, arguments = reply.tool
        item = {"type": "function_call", "id": "fc_fake_1", "call_id": "call_fake_1", "name": name}
        yield _event(
            "response.output_item.added",
            next(seq),
            output_index=0,
            item={**item, "arguments": "", "status": "in_progress"},
        )
        for i in range(0, len(arguments), 7):
            yield _event(
                "response.function_call_arguments.delta",
                next(seq),
                item_id="fc_fake_1",
                output_index=0,
                delta=arguments[i : i + 7],
            )
        yield _event(
            "response.function_call_arguments.done",
            next(seq),
            item_id="fc_fake_1",
            output_index=0,
            name=name,
            arguments=arguments,
        )
        done = {**item, "arguments": arguments, "status": "completed"}
    else:
        text = reply.text or ""
        message = {"type": "message", "id": "msg_fake_1", "role": "assistant"}
        where = {"item_id": "msg_fake_1", "output_index": 0, "content_index": 0}
        yield _event(
            "response.output_item.added",
            next(seq),
            output_index=0,
            item={**message, "status": "in_progress", "content": []},
        )
        part = {"type": "output_text", "text": "", "annotations": []}
        yield _event("response.content_part.added", next(seq), **where, part=part)
        for i in range(0, len(text), 5):
            yield _event("response.output_text.delta", next(seq), **where, delta=text[i : i + 5], logprobs=[])
        yield _event("response.output_text.done", next(seq), **where, text=text, logprobs=[])
        yield _event("response.content_part.done", next(seq), **where, part={**part, "text": text})
        done = {**message, "status": "completed", "content": [{**part, "text": text}]}
    yield _event("response.output_item.done", next(seq), output_index=0, item=done)
    usage = {
        "input_tokens": 42,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 7,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 49,
    }
    yield _event("response.completed", next(seq), response=_response("completed", [done], usage))


@contextmanager
def fake_llm(*script: Reply) -> Iterator[FakeLLM]:
    fake = FakeLLM(script=list(script))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                fake.requests.append(json.loads(raw or b"{}"))
            except ValueError:
                fake.requests.append({"_raw": raw.decode(errors="replace")})
            fake.paths.append(self.path)
            reply = fake.next_reply()
            if reply.delay_s:
                time.sleep(reply.delay_s)
            if reply.raw is not None or reply.status != 200:
                body = (
                    reply.raw
                    if reply.raw is not None
                    else json.dumps(
                        {
                            "error": {
                                "message": "The server is overloaded",
                                "type": "server_error",
                                "code": reply.status,
                            }
                        }
                    ).encode()
                )
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            pieces = _responses_stream(reply) if self.path.endswith("/responses") else _stream(reply)
            for i, piece in enumerate(pieces):
                if i == 2 and reply.hold is not None:  # the role chunk and one content chunk are out
                    fake.held.set()
                    reply.hold.wait(reply.hold_max_s)
                try:
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.flush()
                except OSError:  # the client gave up (its timeout): nothing more to send
                    return
            self.wfile.write(b"0\r\n\r\n")

    with serving(Handler) as url:
        fake.url = url
        yield fake
