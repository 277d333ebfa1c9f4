"""Embedded servers: Redis keeps data across restarts; stale servers of a crashed run are cleaned up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psutil
import pytest
import redis as sync_redis

from core.embedded import EmbeddedPostgres, EmbeddedRedis


@pytest.fixture
def home() -> Path:
    path = Path(f"/tmp/rce-{uuid.uuid4().hex[:8]}")
    path.mkdir()
    return path


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_redis_persists_queued_data_across_a_restart(home: Path) -> None:
    server = EmbeddedRedis(home)
    client = sync_redis.Redis.from_url(server.start())
    client.rpush("runcoach:test:queue", "job-1", "job-2")
    client.close()
    server.stop()
    restarted = EmbeddedRedis(home)
    client = sync_redis.Redis.from_url(restarted.start())
    try:
        assert client.lrange("runcoach:test:queue", 0, -1) == [b"job-1", b"job-2"]
    finally:
        client.close()
        restarted.stop()


def test_a_redis_left_by_a_crashed_owner_is_replaced(home: Path) -> None:
    first = EmbeddedRedis(home)
    first.start()
    stale_pid = int(first.pidfile.read_text())
    first.ownerfile.write_text(str(_dead_pid()))  # the owner crashed without stopping it
    first.owned = False  # and nobody will stop it
    second = EmbeddedRedis(home)
    try:
        second.start()
        assert not psutil.pid_exists(stale_pid) or psutil.Process(stale_pid).status() == psutil.STATUS_ZOMBIE
        assert int(second.pidfile.read_text()) != stale_pid
        assert int(second.ownerfile.read_text()) == os.getpid()
    finally:
        second.stop()
    assert not second.socket.exists() or not psutil.pid_exists(int(second.pidfile.read_text() or 0))


def test_a_live_owner_is_attached_to_not_replaced(home: Path) -> None:
    first = EmbeddedRedis(home)
    first.start()
    pid = int(first.pidfile.read_text())
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        first.ownerfile.write_text(str(sleeper.pid))  # pretend another live process owns it
        second = EmbeddedRedis(home)
        assert second.start() == first.url
        assert not second.owned and int(second.pidfile.read_text()) == pid
    finally:
        sleeper.kill()
        sleeper.wait()
        first.ownerfile.write_text(str(os.getpid()))
        first.stop()


def test_postgres_handles_of_dead_processes_are_pruned(home: Path) -> None:
    pg = EmbeddedPostgres(home)
    pg.pgdata.mkdir(parents=True)
    dead = _dead_pid()
    (pg.pgdata / ".handle_pids.json").write_text(json.dumps([dead]))
    pg._prune_dead_handles()
    assert json.loads((pg.pgdata / ".handle_pids.json").read_text()) == []


def test_redis_files_are_the_owners_only(home: Path) -> None:
    """The append-only file holds chat text, cached athlete context and Telegram link codes."""
    server = EmbeddedRedis(home)
    (server.dir).mkdir(parents=True)
    (server.dir / "appendonly.aof").write_text("")  # left world-readable by an earlier version
    (server.dir / "appendonly.aof").chmod(0o644)
    client = sync_redis.Redis.from_url(server.start())
    try:
        client.set("runcoach:test:secret", "chat text")
        client.execute_command("BGREWRITEAOF")
    finally:
        client.close()
        server.stop()
    assert server.dir.stat().st_mode & 0o777 == 0o700
    files = [f for f in server.dir.iterdir() if f.is_file()]
    assert any(f.name.startswith("appendonly") for f in files), files
    loose = {f.name: oct(f.stat().st_mode & 0o777) for f in files if f.stat().st_mode & 0o077}
    assert not loose, f"readable by others: {loose}"
