"""The web app end to end: `runcoach up` on free ports with a temporary home, driven by Debian's chromium
through playwright-core (`frontend/e2e/run.mjs`), screenshots (desktop + phone width) saved as artifacts in
`tests/web/artifacts/` (gitignored; the path is printed).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.shared_data import require
from tests.web.tooling import ARTIFACTS, FRONTEND, REPO, built_app, chromium, node, node_modules

#: a real running activity with heart rate, cadence, altitude and GPS (2 809 records)
FIT_FILE = "fitdecode/tests/files/activity-small-fenix2-run.fit"
START_TIMEOUT_S = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def app_url() -> Iterator[str]:
    """A whole RunCoach (`runcoach up --no-demo`) in a temporary home; stopped with Ctrl-C afterwards."""
    built_app()
    home = Path(f"/tmp/rcw-{uuid.uuid4().hex[:8]}")  # short: unix socket paths are limited
    home.mkdir()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        RUNCOACH_HOME=str(home),
        RUNCOACH_PORT=str(port),
        RUNCOACH_ENV="development",
        RUNCOACH_LOG_JSON="false",
        RUNCOACH_LLM_PROVIDER="offline",
    )
    log_path = home / "up.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "up", "--no-demo"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while "Press Ctrl-C to stop." not in log_path.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"runcoach up did not start:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.5)
        assert httpx.get(f"{url}/readyz", timeout=5).status_code == 200
        index = httpx.get(f"{url}/", timeout=5)
        assert index.status_code == 200 and '<div id="root">' in index.text, (
            "the api does not serve the web app"
        )
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        if proc.returncode not in (0, -signal.SIGINT):
            print(log_path.read_text()[-4000:])
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.slow
def test_a_new_runner_end_to_end(app_url: str) -> None:
    browser = chromium()
    node_bin = node()
    node_modules()
    fit = require("fit") / FIT_FILE
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    result = subprocess.run(
        [node_bin, str(FRONTEND / "e2e" / "run.mjs")],
        cwd=FRONTEND,
        env={
            **os.environ,
            "RUNCOACH_URL": app_url,
            "CHROMIUM": browser,
            "ARTIFACTS": str(ARTIFACTS),
            "FIT_FILE": str(fit),
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(result.stdout)
    print(f"screenshots: {ARTIFACTS}")
    assert result.returncode == 0, result.stdout + result.stderr
    shots = {p.name for p in ARTIFACTS.glob("*.png")}
    assert not any(name.startswith("failure-") for name in shots)
