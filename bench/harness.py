"""What every database bench does around its measurement: its own data directory, embedded servers,
migrations, and a clean stop.

    run_on_fresh_database(lambda: _bench(...))                  # always a temporary RUNCOACH_HOME
    run_on_fresh_database(lambda: _bench(...), reuse_home=True)  # RUNCOACH_HOME / DATABASE_URL if set

Benches that measure the real roles start them here too (through `tests/faults/stack.spawn_role`, as the
fault tests do): `start_role("api", role_env(db, redis), log_dir)`
runs `runcoach api` on a free loopback port (or `worker`) and waits until it is up; `embedded_pids(home)`
finds the embedded PostgreSQL and Redis processes (to read their memory).
"""

from __future__ import annotations

import asyncio
import csv
import itertools
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping
from pathlib import Path
from typing import Any

from tests.faults.stack import SCRUBBED, Role, spawn_role


def percentile(values: list[float], q: float) -> float:
    """The `q`-th percentile (0–100) of `values`: the nearest rank, no interpolation."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def run_on_fresh_database(
    bench: Callable[[], Coroutine[Any, Any, None]], *, reuse_home: bool = False, **env: str
) -> None:
    """Run `bench()` against migrated servers. By default a temporary data directory with embedded
    PostgreSQL/Redis (never your data directory, never DATABASE_URL); `reuse_home=True` keeps an
    RUNCOACH_HOME/DATABASE_URL/REDIS_URL already set. `env` sets defaults (e.g. RUNCOACH_LLM_PROVIDER)."""
    home = None
    if not (reuse_home and "RUNCOACH_HOME" in os.environ):
        home = tempfile.mkdtemp(prefix="rcb-", dir="/tmp")
        os.environ["RUNCOACH_HOME"] = home
    if not reuse_home:
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("RUNCOACH_LOG_JSON", "false")
    for name, value in env.items():
        os.environ.setdefault(name, value)
    from core.migrate import upgrade
    from core.runtime import ensure_services, stop_services

    try:
        upgrade(ensure_services().database_url)
        asyncio.run(bench())
    finally:
        stop_services()
        if home:
            shutil.rmtree(home, ignore_errors=True)


# --- RunCoach roles as subprocesses (benches that measure the real `runcoach api` / `worker`) ----------


_role_numbers = itertools.count(1)


def wait_healthy(base: str, proc: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    """Until `base`/healthz answers 200; exits the bench when the process died or never answered."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the api process exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1.0, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the api process did not start")


def role_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a role on this bench's servers: the bench's own, minus `SCRUBBED`, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env.update({"DATABASE_URL": database_url, "REDIS_URL": redis_url, "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def start_role(name: str, env: Mapping[str, str], log_dir: Path, *, wait: bool = True) -> Role:
    """Start `runcoach <name>` (the api on a free loopback port); with `wait`, until it is up
    (`Role.wait_ready`). Start several with `wait=False`, then wait for each: they start in parallel."""
    role = spawn_role(name, env, log_dir / f"{name}-{next(_role_numbers)}.log", new_session=False)
    if wait:
        role.wait_ready()
    return role


def embedded_pids(home: Path) -> dict[str, int]:
    """The pids of the embedded servers under RUNCOACH_HOME `home`: PostgreSQL's postmaster, Redis."""
    found: dict[str, int] = {}
    for name, path in (
        ("postgres", home / "postgres" / "postmaster.pid"),
        ("redis", home / "redis" / "redis.pid"),
    ):
        try:
            found[name] = int(path.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return found


def shared_fit_dir() -> Path:
    """The real FIT files (`../shared/data/fit`), found as the tests find them: RUNCOACH_SHARED_DATA if set,
    else beside the checkout, else the workplace copy."""
    if env := os.environ.get("RUNCOACH_SHARED_DATA"):
        return Path(env) / "fit"
    for candidate in (Path(__file__).resolve().parents[2] / "shared" / "data", Path("/work/shared/data")):
        if (candidate / "fit").exists():
            return candidate / "fit"
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "fit"


def shared_activity_files(data_dir: Path) -> Iterator[tuple[dict[str, str], bytes]]:
    """(manifest row, bytes) of every shared FIT file the manifest says must import as an activity."""
    with (data_dir / "manifest.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["intent"] in ("valid", "edge-case") and "activity" in row["file_type"].split(";"):
            yield row, (data_dir / row["path"]).read_bytes()
