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

from tests.fakes.garmin_server import FakeGarmin
from tests.support.shared_data import require
from tests.web.tooling import ARTIFACTS, FRONTEND, REPO, built_app, chromium, node, node_modules

#: a real running activity with heart rate, cadence, altitude and GPS (2 809 records)
FIT_FILE = "fitdecode/tests/files/activity-small-fenix2-run.fit"
START_TIMEOUT_S = 240
DEMO_EMAIL, DEMO_PASSWORD = "demo-e2e@runcoach.local", "demo-e2e-runner"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def fake_garmin() -> Iterator[FakeGarmin]:
    require("garmin")
    with FakeGarmin(mfa_code="424242") as garmin:
        yield garmin


@pytest.fixture
def app_url(fake_garmin: FakeGarmin) -> Iterator[str]:
    """A whole RunCoach (`runcoach up`, demo athlete seeded) in a temporary home; its Garmin Connect is the
    local fake (the real client library, through the fake's proxy and CA). Stopped with Ctrl-C afterwards."""
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
        RUNCOACH_DEMO_EMAIL=DEMO_EMAIL,
        RUNCOACH_DEMO_PASSWORD=DEMO_PASSWORD,
    )
    for key in ("ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy"):
        env.pop(key, None)
    garmin_env = fake_garmin.client_env()
    env.update(
        {
            k: v
            for k, v in garmin_env.items()
            if k.lower() in ("https_proxy", "requests_ca_bundle", "curl_ca_bundle")
        }
    )
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    log_path = home / "up.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "up"],
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
def test_a_new_runner_end_to_end(app_url: str, fake_garmin: FakeGarmin) -> None:
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
            "DEMO_EMAIL": DEMO_EMAIL,
            "DEMO_PASSWORD": DEMO_PASSWORD,
            "GARMIN_EMAIL": fake_garmin.email,
            "GARMIN_PASSWORD": fake_garmin.password,
            "GARMIN_MFA": fake_garmin.mfa_code or "",
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
    for page in ("activities", "activity-detail", "chat", "chat-streaming", "settings", "plan", "dashboard"):
        assert {f"{page}-desktop.png", f"{page}-phone.png"} <= shots, f"missing screenshots of {page}"
    # the approved push reached Garmin Connect exactly once, as a structured workout, and was scheduled
    assert len(fake_garmin.posted_workouts) == 1, fake_garmin.posted_workouts
    assert fake_garmin.posted_workouts[0]["workoutSegments"][0]["workoutSteps"], fake_garmin.posted_workouts[
        0
    ]
    assert len(fake_garmin.posted_schedules) == 1
