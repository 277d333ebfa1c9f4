"""`runcoach up`: one command that runs every role as a child process.

Starts the embedded servers (when no URLs are configured), migrates, seeds the demo once, starts api,
worker and scheduler (and the bot when a Telegram token is set), waits for /readyz, prints how to sign in,
restarts a role that crashes, and on Ctrl-C / SIGTERM stops children first, then the embedded servers,
leaving no process behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import httpx

from core.runtime import Services
from core.settings import Settings

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if the supervisor dies, even by SIGKILL."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    role: str
    proc: subprocess.Popen[bytes] | None = None
    restarts: list[float] = field(default_factory=list)


class Supervisor:
    def __init__(self, settings: Settings, services: Services, roles: list[str]) -> None:
        self.settings = settings
        self.env = {
            **os.environ,
            "DATABASE_URL": services.database_url,
            "REDIS_URL": services.redis_url,
            "RUNCOACH_HOST": settings.host,
            "RUNCOACH_PORT": str(settings.port),
            "RUNCOACH_HOME": str(settings.home),
        }
        self.children = [Child(role) for role in roles]
        self.stopping = False

    def _spawn(self, child: Child) -> None:
        child.proc = subprocess.Popen(
            [sys.executable, "-m", "cli", child.role],
            env=self.env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)

    def wait_ready(self, timeout_s: float = 60.0) -> bool:
        url = f"http://{self.settings.host}:{self.settings.port}/readyz"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not self.stopping:
            api = next((c for c in self.children if c.role == "api"), None)
            if api and api.proc and api.proc.poll() is not None:
                return False
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        return False

    def watch(self) -> None:
        """Restart crashed roles (at most 5 times a minute each) until asked to stop."""
        while not self.stopping:
            for child in self.children:
                if child.proc is not None and child.proc.poll() is not None and not self.stopping:
                    now = time.monotonic()
                    child.restarts = [t for t in child.restarts if now - t < 60] + [now]
                    if len(child.restarts) > 5:
                        print(f"runcoach: {child.role} keeps crashing; stopping everything", file=sys.stderr)
                        self.stopping = True
                        break
                    print(
                        f"runcoach: {child.role} exited ({child.proc.returncode}); restarting",
                        file=sys.stderr,
                    )
                    self._spawn(child)
            time.sleep(0.5)

    def stop(self, timeout_s: float = 20.0) -> None:
        self.stopping = True
        for child in self.children:
            if child.proc is not None and child.proc.poll() is None:
                child.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for child in self.children:
            if child.proc is None:
                continue
            try:
                child.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
