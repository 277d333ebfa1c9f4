"""A real SMTP server on a free loopback port (aiosmtpd) that keeps what it receives, for e-mail tests.

RunCoach's mailer talks SMTP to it exactly as to a provider's relay (`smtp_security="none"`, as for a
local relay); the tests read the parsed messages.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

#: a bound on waiting for a message that should arrive: a missing one fails instead of hanging
ARRIVAL_S = 10.0


class SmtpSink:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._lock = threading.Lock()
        self.port = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        with self._lock:
            self.messages.append(message_from_bytes(raw))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    async def wait_for(self, address: str, count: int = 1) -> list[Message]:
        """The messages to `address` once there are `count` of them (they are sent after the response)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ARRIVAL_S
        while len(found := self.to(address)) < count:
            assert loop.time() < deadline, f"no mail to {address} arrived ({len(found)} of {count})"
            await asyncio.sleep(0.02)
        return found

    def settings(self) -> dict[str, Any]:
        """Settings overrides that send RunCoach's mail here."""
        return {"smtp_host": "127.0.0.1", "smtp_port": self.port, "smtp_security": "none"}


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def link_token(message: Message) -> str:
    found = re.search(r"/verify-email\?token=(\S+)", body_of(message))
    assert found, body_of(message)
    return found.group(1)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        sink.port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
