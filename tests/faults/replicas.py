"""deploy/bluegreen.py's START / READY / STOP commands for local processes instead of docker compose.

    python -m tests.faults.replicas start  # `runcoach api` on each of $SERVERS (host:port), in the background
    python -m tests.faults.replicas ready  # exit 0 when http://$SERVER/readyz answers 200
    python -m tests.faults.replicas stop   # SIGTERM each of $COLOUR's replicas, wait until it has exited

The replicas inherit the environment (the test's stack: DATABASE_URL, REDIS_URL, …); their pid and log
files go to $REPLICAS_DIR as `api-<colour>-<port>.{pid,log}`, where the test reads the logs and, at the end,
kills whatever is left (`kill_all`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

#: a replica still running this long after SIGTERM is a hang: it is killed and `stop` fails
STOP_S = 90.0


def _files(directory: Path, colour: str, server: str) -> tuple[Path, Path]:
    port = server.rsplit(":", 1)[1]
    return directory / f"api-{colour}-{port}.pid", directory / f"api-{colour}-{port}.log"


def _gone(pid: int) -> bool:
    """Exited (a zombie nobody reaped yet counts as exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def start(directory: Path, colour: str, servers: list[str]) -> None:
    for server in servers:
        host, port = server.rsplit(":", 1)
        pid_file, log_file = _files(directory, colour, server)
        with log_file.open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "cli", "api", "--host", host, "--port", port],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        pid_file.write_text(str(proc.pid))


def ready(server: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{server}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def stop(directory: Path, colour: str, servers: list[str]) -> bool:
    pids = {}
    for server in servers:
        pid_file, _ = _files(directory, colour, server)
        if pid_file.exists():
            pids[pid_file] = int(pid_file.read_text())
            os.kill(pids[pid_file], signal.SIGTERM)
    deadline = time.monotonic() + STOP_S
    clean = True
    for pid_file, pid in pids.items():
        while not _gone(pid):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                clean = False
                break
            time.sleep(0.1)
        pid_file.unlink()
    return clean


def kill_all(directory: Path) -> None:
    """SIGKILL every replica still running (the end of a test, passed or failed)."""
    for pid_file in directory.glob("api-*.pid"):
        pid = int(pid_file.read_text())
        if not _gone(pid):
            os.kill(pid, signal.SIGKILL)
        pid_file.unlink()


def main(argv: list[str]) -> int:
    directory = Path(os.environ["REPLICAS_DIR"])
    colour = os.environ.get("COLOUR", "")
    servers = os.environ.get("SERVERS", "").split()
    match argv:
        case ["start"]:
            start(directory, colour, servers)
            return 0
        case ["ready"]:
            return 0 if ready(os.environ["SERVER"]) else 1
        case ["stop"]:
            return 0 if stop(directory, colour, servers) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
