"""Ctrl-C while the embedded PostgreSQL starts, and roles that die without their exit hooks: a real
subprocess gets a real SIGINT (to its whole process group, as a terminal sends it), then the next start
must work and no server may be left running. (`runcoach up` starts its servers through the same class.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from core.embedded import EmbeddedPostgres

REPO = Path(__file__).resolve().parents[2]
#: a bound on waiting for a process: a hang fails the test instead of blocking (not a timing check)
HANG_S = 120.0

START = """
import sys
from pathlib import Path
from core.embedded import EmbeddedPostgres
server = EmbeddedPostgres(Path(sys.argv[1]))
server.start()
print("started", flush=True)
server.stop()
"""


@pytest.fixture
def home() -> Iterator[Path]:
    path = Path(f"/tmp/rci-{uuid.uuid4().hex[:8]}")
    path.mkdir()
    path.chmod(0o755)  # as root, pgserver runs PostgreSQL as its own user
    yield path
    for pid in servers_of(path):  # never leave one behind, even when the test fails
        psutil.Process(pid).kill()


def servers_of(home: Path) -> list[int]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            if proc.info["name"] == "postgres" and str(home) in " ".join(proc.info["cmdline"] or []):
                found.append(proc.pid)
        except psutil.Error:
            continue
    return found


def _as_from_a_terminal() -> None:
    """In the child before it runs: SIGINT handled and not blocked, as in a program started from a shell.
    Both are inherited, and the test process (a pytest-xdist worker, after other tests) may differ."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def interrupted_start(home: Path) -> subprocess.CompletedProcess[bytes] | int:
    """Start in a child, Ctrl-C it (its process group) once initdb is writing the data directory."""
    proc = subprocess.Popen(
        [sys.executable, "-c", START, str(home)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_as_from_a_terminal,
    )
    pgdata = home / "postgres"
    deadline = time.monotonic() + HANG_S
    while not (pgdata.is_dir() and any(p.name == "base" for p in pgdata.iterdir())):
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else b""
        assert time.monotonic() < deadline, "initdb never started"
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)
    return proc.wait(HANG_S)


def test_ctrl_c_during_the_first_start_leaves_nothing_running_and_the_next_start_works(home: Path) -> None:
    """Before: initdb died half-way and the next start failed on the half-written directory (or a server
    that no process had registered was left running)."""
    returncode = interrupted_start(home)
    assert returncode != 0, "the Ctrl-C still stops the program"
    assert servers_of(home) == [], "no PostgreSQL is left running"
    assert not (home / "postgres" / "postmaster.pid").exists()

    again = subprocess.run(
        [sys.executable, "-c", START, str(home)], cwd=REPO, capture_output=True, timeout=HANG_S
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert b"started" in again.stdout
    assert servers_of(home) == []


def test_a_role_killed_without_its_exit_hooks_does_not_keep_the_server_alive(home: Path) -> None:
    """`runcoach up` stops a role that ignores SIGTERM with SIGKILL: its handle stayed in pgserver's list,
    so the supervisor, the last one out, never stopped the server (a stale postmaster.pid next time)."""
    server = EmbeddedPostgres(home)
    server.start()
    role = subprocess.Popen(
        [sys.executable, "-c", START.replace("server.stop()", "import time; time.sleep(600)"), str(home)],
        cwd=REPO,
        stdout=subprocess.PIPE,
    )
    try:
        assert role.stdout is not None and role.stdout.readline().strip() == b"started"
        assert role.pid in json.loads((home / "postgres" / ".handle_pids.json").read_text())
    finally:
        role.kill()  # no atexit, no pgserver cleanup: its pid stays in the list
        role.wait()
    server.stop()
    assert servers_of(home) == []
    assert not (home / "postgres" / "postmaster.pid").exists()
