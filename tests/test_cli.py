"""The `runcoach` command as a user runs it: real processes, real embedded servers, a temporary home."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def home() -> Iterator[Path]:
    path = Path(f"/tmp/rcc-{uuid.uuid4().hex[:8]}")
    path.mkdir()
    yield path


def _env(home: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        RUNCOACH_HOME=str(home),
        RUNCOACH_PORT=str(port),
        RUNCOACH_LOG_JSON="false",
        RUNCOACH_ENV="development",
    )
    return env


def _processes_using(home: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
            if str(home) in cmd:
                found.append(proc)
        except (psutil.Error, TypeError):
            continue
    return found


def _run_up(home: Path, port: int) -> tuple[str, float]:
    """Start `runcoach up`, wait for the banner and /readyz, stop it with Ctrl-C; return its output."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "up"],
        cwd=REPO,
        env=_env(home, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    ready_after = None
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 120
        for line in proc.stdout:
            lines.append(line)
            if "Press Ctrl-C to stop." in line:
                ready_after = time.monotonic() - started
                break
            assert time.monotonic() < deadline, "".join(lines)
        assert ready_after is not None, "".join(lines)
        assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
        lines.append(out)
    assert proc.returncode == 0, "".join(lines)
    return "".join(lines), ready_after


@pytest.mark.slow
def test_up_serves_reuses_data_and_leaves_nothing_behind(home: Path) -> None:
    port = _free_port()
    first, first_s = _run_up(home, port)
    assert f"RunCoach is running at http://127.0.0.1:{port}" in first
    assert "Sign in as demo@runcoach.local" in first
    assert "demo athlete demo@runcoach.local created" in first
    assert "RunCoach stopped." in first
    time.sleep(0.5)
    assert _processes_using(home) == [], "servers or roles left running after Ctrl-C"

    second, second_s = _run_up(home, port)
    assert "created" not in second, "the demo must be seeded once; a second start reuses the data"
    assert "Sign in as demo@runcoach.local" in second
    time.sleep(0.5)
    assert _processes_using(home) == []
    print(f"\nfirst start {first_s:.1f}s, warm start {second_s:.1f}s")


def test_tool_list_names_the_foundation_tools() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "cli", "tool", "--list"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert any(line.startswith("whoami") for line in out.splitlines())


def test_tool_call_without_user_is_a_clear_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cli", "tool", "whoami", "{}"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 2 and "--user EMAIL is required" in result.stderr
