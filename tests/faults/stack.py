"""A whole RunCoach of its own for one fault test: embedded PostgreSQL and Redis under a temporary
RUNCOACH_HOME, migrated, and the real roles (`runcoach api`, `runcoach worker`) as subprocesses.

The session's shared servers (tests/conftest.py) are never touched: a fault test stops and starts only the
servers it started. The roles get `DATABASE_URL` / `REDIS_URL` pointing at these servers, so they never start
servers of their own, and a restart of PostgreSQL or Redis under them is exactly what production sees.

- `Stack.start()` → servers up and migrated. `runcoach migrate` (the real command) runs once per test session
  on a template data directory; each stack starts PostgreSQL on a copy of it (initdb and the migrations
  cost ~10 s a stack otherwise).
- `stack.role("api", port=…)` / `stack.role("worker")` → a `Role` (a running subprocess, its log in a file).
- `stack.stop_postgres()` / `stack.start_postgres()` (`pg_ctl stop -m fast` / start on the same data and
  socket), `stack.stop_redis()` / `stack.start_redis()` (SIGTERM, which writes the append-only file, then
  the same data directory again).
- `stack.sql(query)` reads the database from the test through its own short-lived connection.
- `async with stack.in_process():` points this process's engine, Redis client, job broker and Fernet key at
  the stack for a block (to set things up with the real tools, e.g. connect Garmin), then restores them.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from cryptography.fernet import Fernet
from pydantic import SecretStr

from core.embedded import EmbeddedPostgres, EmbeddedRedis
from core.runtime import libpq_url

REPO = Path(__file__).resolve().parents[2]
RUNCOACH = [sys.executable, "-m", "cli"]
#: environment a role must not inherit from the test process (it would point it at other servers/models)
SCRUBBED = (
    "DATABASE_URL",
    "REDIS_URL",
    "RUNCOACH_DATABASE_URL",
    "RUNCOACH_REDIS_URL",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "TELEGRAM_BOT_TOKEN",
    "PYTEST_CURRENT_TEST",
)
#: a bound on waiting for a process: a hang fails the test instead of blocking the suite
START_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_template: Path | None = None


def _migrated_template() -> Path:
    """A home whose PostgreSQL data directory is initialised and migrated (then stopped), made once."""
    global _template
    if _template is not None:
        return _template
    home = Path(f"/tmp/rcf-tpl-{uuid.uuid4().hex[:8]}")
    home.mkdir()
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    pg = EmbeddedPostgres(home)
    try:
        env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
        env.update(
            {
                "RUNCOACH_HOME": str(home),
                "DATABASE_URL": pg.start(),
                "REDIS_URL": "redis://127.0.0.1:9/0",  # migrating never touches Redis
                "RUNCOACH_ENV": "test",
            }
        )
        done = subprocess.run(
            [*RUNCOACH, "migrate"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"runcoach migrate failed:\n{done.stdout}\n{done.stderr}"
    finally:
        pg.stop()
    (home / "postgres" / ".handle_pids.json").unlink(missing_ok=True)
    _template = home
    return home


@dataclass
class Role:
    """One `runcoach <role>` subprocess."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    url: str | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, chars: int = 3000) -> str:
        return self.log()[-chars:]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_ready(self, within_s: float = START_S) -> None:
        """For the api: until /healthz answers; for others: until the log says the role started."""
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{self.log()[-4000:]}")
            if self.url is not None:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{self.url}/healthz", timeout=2, trust_env=False).status_code == 200:
                        return
            elif f"{self.name} started" in self.log():
                return
            time.sleep(0.1)
        raise AssertionError(f"{self.name} did not start within {within_s:.0f} s:\n{self.log()[-4000:]}")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no acknowledgements, exactly a crashed or OOM-killed process."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, timeout_s: float = 5.0) -> None:
        """SIGTERM (graceful: open turns and jobs finish), then SIGKILL after `timeout_s`."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def spawn_role(name: str, env: Mapping[str, str], log_path: Path, *, new_session: bool = True) -> Role:
    """Start `runcoach <name>` (the api on a free loopback port), its output in `log_path`; not waited for
    (`Role.wait_ready`). The benches in bench/ start their roles through this too."""
    args = [name]
    url = None
    if name == "api":
        port = free_port()
        args += ["--host", "127.0.0.1", "--port", str(port)]
        url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*RUNCOACH, *args],
            cwd=REPO,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )
    return Role(name, proc, log_path, url)


@dataclass
class Stack:
    home: Path
    env_overrides: dict[str, str] = field(default_factory=dict)
    pg: EmbeddedPostgres = field(init=False)
    redis: EmbeddedRedis = field(init=False)
    database_url: str = field(init=False, default="")
    redis_url: str = field(init=False, default="")
    roles: list[Role] = field(default_factory=list, init=False)
    fernet_key: str = field(default_factory=lambda: Fernet.generate_key().decode(), init=False)

    @classmethod
    @contextlib.contextmanager
    def running(cls, **env: str) -> Iterator[Stack]:
        """Start the servers (migrated); stop every role and server and remove the data at the end."""
        home = Path(f"/tmp/rcf-{uuid.uuid4().hex[:8]}")  # short: unix socket paths are limited
        home.mkdir()
        stack = cls(home, dict(env))
        try:
            stack.start()
            yield stack
        finally:
            stack.close()
            shutil.rmtree(home, ignore_errors=True)

    # -- servers ---------------------------------------------------------------------------------------

    def start(self) -> None:
        subprocess.run(["cp", "-a", str(_migrated_template() / "postgres"), str(self.home)], check=True)
        self.pg = EmbeddedPostgres(self.home)
        self.redis = EmbeddedRedis(self.home)
        self.database_url = self.pg.start()
        self.redis_url = self.redis.start()

    def _pg_server(self) -> Any:
        server = self.pg._server
        assert server is not None, "PostgreSQL was not started by this stack"
        return server

    def stop_postgres(self) -> None:
        """Stop PostgreSQL (fast shutdown: open connections are cut, as in a restart or a failover)."""
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # generated at import

        server = self._pg_server()
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user, timeout=30)

    def start_postgres(self) -> None:
        """Start it again on the same data and socket directory (the URLs stay valid)."""
        server = self._pg_server()
        with server._lock:
            server.ensure_postgres_running()

    def stop_redis(self) -> None:
        self.redis.stop()

    def start_redis(self) -> None:
        url = self.redis.start()
        assert url == self.redis_url

    def close(self) -> None:
        for role in reversed(self.roles):
            with contextlib.suppress(Exception):
                role.stop()
        with contextlib.suppress(Exception):
            self.redis.stop()
        with contextlib.suppress(Exception):
            if self.pg._server is None:
                return
            server = self._pg_server()
            with contextlib.suppress(Exception):
                if not server.get_postmaster_info().is_running():
                    server.ensure_postgres_running()  # a test that failed with it stopped
            self.pg.stop()

    # -- roles -----------------------------------------------------------------------------------------

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
        env.update(
            {
                "RUNCOACH_HOME": str(self.home),
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "RUNCOACH_ENV": "test",
                "RUNCOACH_LOG_JSON": "false",
                "RUNCOACH_LLM_PROVIDER": "offline",
                "RUNCOACH_FERNET_KEY": self.fernet_key,
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.env_overrides)
        env.update(extra or {})
        return env

    def run(self, *args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """A one-shot `runcoach …` command against this stack."""
        return subprocess.run(
            [*RUNCOACH, *args],
            cwd=REPO,
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=START_S,
            check=False,
        )

    def role(self, name: str, *, env: Mapping[str, str] | None = None, ready: bool = True) -> Role:
        """Start `runcoach <name>` (api on a free loopback port); wait until it is up."""
        role = spawn_role(name, self.env(env), self.home / f"{name}-{len(self.roles)}.log")
        self.roles.append(role)
        if ready:
            role.wait_ready()
        return role

    @contextlib.asynccontextmanager
    async def in_process(self) -> AsyncIterator[None]:
        from core import database, runtime
        from core import redis as core_redis
        from core.queue import broker as job_broker
        from core.runtime import Services
        from core.settings import get_settings

        saved = (
            runtime._services,
            database._engine,
            database._sessionmaker,
            core_redis._client,
            job_broker._broker,
            get_settings().fernet_key,
        )
        runtime.use_services(Services(self.database_url, self.redis_url, True, True))
        database._engine = database._sessionmaker = None
        core_redis._client = None
        job_broker.use_broker(None)
        get_settings().fernet_key = SecretStr(self.fernet_key)
        try:
            yield
        finally:
            if job_broker._broker is not None:
                await job_broker._broker.shutdown()
            await core_redis.close_redis()
            await database.dispose_engine()
            (
                runtime._services,
                database._engine,
                database._sessionmaker,
                core_redis._client,
                job_broker._broker,
                get_settings().fernet_key,
            ) = saved

    # -- reading the database ----------------------------------------------------------------------------

    async def sql(self, query: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(libpq_url(self.database_url), timeout=10)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    async def value(self, query: str, *args: object) -> Any:
        rows = await self.sql(query, *args)
        return rows[0][0] if rows else None

    # -- jobs --------------------------------------------------------------------------------------------

    async def job(self, job_id: uuid.UUID) -> dict[str, Any]:
        """The job row's state, attempts, progress, result and error (JSON decoded)."""
        row = await self.sql(
            "SELECT state, attempts, progress, result, error FROM jobs WHERE id = $1", job_id
        )
        out = dict(row[0])
        for key in ("progress", "result"):
            if isinstance(out[key], str):
                out[key] = json.loads(out[key])
        return out

    async def wait_for_job(
        self, job_id: uuid.UUID, done: Callable[[dict[str, Any]], bool], what: str, *, within_s: float
    ) -> dict[str, Any]:
        """Poll the job until `done(job)`; fail after `within_s` (a bound against hangs, not a figure)."""
        deadline = time.monotonic() + within_s
        while True:
            job = await self.job(job_id)
            if done(job):
                return job
            assert time.monotonic() < deadline, f"waited {within_s:.0f}s for {what}; the job is {job}"
            await asyncio.sleep(0.05)


def job_ended(job: dict[str, Any]) -> bool:
    return job["state"] in {"succeeded", "failed"}
