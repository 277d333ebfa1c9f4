"""What the web tests need from the machine (node, the built app, chromium), and what happens without it.

Locally a missing piece is a skip that says how to get it; under CI (`CI=true`) it is a failure, so CI never
goes green by skipping the browser.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
DIST = FRONTEND / "dist"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

#: Debian's package; a test tool's own browser download does not work on these machines
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def node() -> str:
    found = shutil.which("node")
    if found is None:
        missing("node is not installed: the web app's tests need Node.js 20+ and npm")
    assert found is not None
    return found


def node_modules() -> Path:
    path = FRONTEND / "node_modules"
    if not (path / ".package-lock.json").exists():
        missing("frontend/node_modules is missing: run `make web` (npm ci) first")
    return path


def built_app() -> Path:
    if not (DIST / "index.html").exists():
        missing("the web app is not built (frontend/dist/index.html): run `make web`")
    newest_source = max(p.stat().st_mtime for p in (FRONTEND / "src").rglob("*") if p.is_file())
    if (DIST / "index.html").stat().st_mtime < newest_source:
        missing("frontend/dist is older than frontend/src: run `make web` to rebuild it")
    return DIST


def chromium() -> str:
    env = os.environ.get("RUNCOACH_CHROMIUM")
    for candidate in ((env,) if env else ()) + CHROMIUM_CANDIDATES:
        if candidate and Path(candidate).exists():
            return candidate
    missing(
        "chromium is not installed (Debian package `chromium`, at /usr/bin/chromium): "
        "`apt-get install -y chromium`, or set RUNCOACH_CHROMIUM; .ci/run installs it"
    )
    raise AssertionError("unreachable")
