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
import shutil
import tempfile
from pathlib import Path
from typing import Any

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
    worker_input = getattr(config, "workerinput", None)  # a pytest-xdist worker: log into the run's folder
    folder = (
        Path(worker_input["audit_dir"]) if worker_input else Path(tempfile.mkdtemp(prefix="runcoach-logs-"))
    )
    fd, name = tempfile.mkstemp(prefix="test-logs-", suffix=".jsonl", dir=folder)
    os.close(fd)
    handler = _AuditHandler(Path(name))
    logging.getLogger().addHandler(handler)
    for logger in OUR_LOGGERS:
        if logging.getLogger(logger).level in (logging.NOTSET, logging.WARNING):
            logging.getLogger(logger).setLevel(logging.INFO)
    config.stash[_KEY] = handler
    config.stash[_DIR] = folder


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker writes its log file into the controller's folder."""
    node.workerinput["audit_dir"] = str(node.config.stash[_DIR])


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
    if getattr(session.config, "workerinput", None):
        return  # a worker: the controller reads every worker's file when the whole run ends
    folder = session.config.stash[_DIR]
    files = sorted(folder.glob("test-logs-*.jsonl"))
    text = "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in files)
    found = leaks(text, set(KNOWN_SECRETS) | _extra | _settings_secrets())
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if found:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter is not None:
            reporter.write_line(f"SECRETS IN THE LOGS ({folder}):", red=True)
            for line in found:
                reporter.write_line("  " + line, red=True)
        return
    if reporter is not None:
        lines = sum(1 for line in text.splitlines() if line)
        reporter.write_line(f"log audit: {lines} log lines from {len(files)} process(es), no secret in them")
    shutil.rmtree(folder, ignore_errors=True)


_KEY = pytest.StashKey[_AuditHandler]()
_DIR = pytest.StashKey[Path]()
