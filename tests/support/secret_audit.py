"""Secrets never reach a log line: every log record of the whole test run, formatted exactly as production
formats it (`core.logs.JsonFormatter`), is written to one file; when the run ends, that file is searched for
the secrets the tests used — their passwords, API keys, bot tokens, MFA codes, the Fernet key — and for
anything shaped like a personal API token (`rc_<8 hex>_<secret>`). A hit fails the run and names the line.

Our own loggers (core, tools, api, agent, jobs, bots, knowledge) are set to INFO for the run so the info lines
are audited too; libraries keep their levels. Loaded by tests/conftest.py as a pytest plugin.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path

import pytest

from core.logs import JsonFormatter

#: every literal secret the tests hand to our code (keep in step when a test adds one)
KNOWN_SECRETS = (
    "correct horse battery staple",
    "another long passphrase",
    "a brand new one",
    "sk-wrong-key",
    "g-key-123",
    "fake-client-secret",  # tests/fakes/strava_server.py
    "TEST-runcoach-fake-token",  # tests/fakes/telegram.py (the bot token's secret part)
)
TOKEN_SHAPE = re.compile(r"\brc_[0-9a-f]{8}_[A-Za-z0-9]{20,}")
OUR_LOGGERS = ("core", "tools", "api", "agent", "jobs", "bots", "knowledge")

_extra: set[str] = set()


def audit_secret(value: str | None) -> None:
    """Also look for `value` (a secret made at run time, e.g. a fake server's token) in the logs."""
    if value and len(value) >= 6:
        _extra.add(value)


class _AuditHandler(logging.FileHandler):
    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8")
        self.setFormatter(JsonFormatter())
        self.setLevel(logging.DEBUG)


def pytest_configure(config: pytest.Config) -> None:
    fd, name = tempfile.mkstemp(prefix="runcoach-test-logs-", suffix=".jsonl")
    os.close(fd)
    handler = _AuditHandler(Path(name))
    logging.getLogger().addHandler(handler)
    for logger in OUR_LOGGERS:
        if logging.getLogger(logger).level in (logging.NOTSET, logging.WARNING):
            logging.getLogger(logger).setLevel(logging.INFO)
    config.stash[_KEY] = handler


def _settings_secrets() -> set[str]:
    from core.settings import get_settings

    settings = get_settings()
    found = set()
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if hasattr(value, "get_secret_value") and value.get_secret_value():
            found.add(value.get_secret_value())
    key_file = settings.home / "fernet.key"
    if key_file.exists():
        found.add(key_file.read_text().strip())
    return {s for s in found if len(s) >= 6}


def leaks(text: str, secrets: set[str]) -> list[str]:
    """Lines of `text` that hold one of `secrets` or a personal API token (the first 20 at most)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if TOKEN_SHAPE.search(line) or any(secret in line for secret in secrets):
            found.append(f"line {number}: {line[:300]}")
            if len(found) == 20:
                break
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    handler = session.config.stash.get(_KEY, None)
    if handler is None:
        return
    logging.getLogger().removeHandler(handler)
    handler.close()
    path = Path(handler.baseFilename)
    text = path.read_text(encoding="utf-8", errors="replace")
    found = leaks(text, set(KNOWN_SECRETS) | _extra | _settings_secrets())
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if found:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter is not None:
            reporter.write_line(f"SECRETS IN THE LOGS ({path}):", red=True)
            for line in found:
                reporter.write_line("  " + line, red=True)
        return
    if reporter is not None:
        reporter.write_line(f"log audit: {len(text.splitlines())} log lines, no secret in them")
    path.unlink(missing_ok=True)


_KEY = pytest.StashKey[_AuditHandler]()
