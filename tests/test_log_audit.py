"""The log audit (tests/support/secret_audit.py) catches what it promises, and our formatter redacts."""

from __future__ import annotations

import logging

from core.logs import JsonFormatter
from tests.support.secret_audit import KNOWN_SECRETS, leaks

TOKEN = "rc_1a2b3c4d_" + "A" * 43


def _formatted(message: str, *args: object) -> str:
    record = logging.LogRecord("tools.test", logging.INFO, __file__, 1, message, args, None)
    return JsonFormatter().format(record)


def test_the_audit_finds_a_known_secret_and_a_token_shape() -> None:
    text = "\n".join(["fine", f"oops {KNOWN_SECRETS[0]}", f"header {TOKEN}"])
    found = leaks(text, set(KNOWN_SECRETS))
    assert [line.split(":")[0] for line in found] == ["line 2", "line 3"]
    assert leaks("nothing here", set(KNOWN_SECRETS)) == []


def test_the_formatter_redacts_passwords_and_bearer_tokens() -> None:
    line = _formatted("login %s with Authorization: Bearer %s", {"password": KNOWN_SECRETS[0]}, TOKEN)
    assert leaks(line, set(KNOWN_SECRETS)) == [], line
    assert "[redacted]" in line
