"""Files decoded ahead in a worker process (`tools.activities.ahead`, the archive job's path) give the import
exactly what it works out itself: for every real FIT file in the shared manifest (valid, edge cases and
damaged ones), the same decoded activity and the same samples' figures (`held_of`), or the same refusal (its
class, message and details); the same for a damaged gzip wrapper and a chained file. The worker is gone
after the context is left on an error, and exits by itself when its parent is killed."""

from __future__ import annotations

import asyncio
import gzip
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from core.errors import InvalidInput
from tests.support.shared_data import REPO_ROOT, fit_manifest, require
from tools.activities.ahead import DecodeAhead
from tools.activities.formats import decode_activity
from tools.activities.prepared import Unpacked, held_of, to_new_activity, unpack

CAP = 64 << 20
CHAINED = (
    "fit/fitdecode/tests/files/garmin-fenix-5-run.fit",
    "fit/fitdecode/tests/files/garmin-fenix-5-walk.fit",
)


def _here(data: bytes, filename: str) -> list[tuple[str, Any]]:
    """What the importer works out itself from the bytes, part by part: (name, activity and held) or
    (name, the refusal as class, message, details)."""
    try:
        parts = unpack(data, filename=filename, max_bytes=CAP).parts
    except InvalidInput as exc:
        return [("", (type(exc), exc.message, exc.details))]
    out: list[tuple[str, Any]] = []
    for part in parts:
        try:
            parsed = decode_activity(part.data, filename=part.filename)
        except InvalidInput as exc:
            out.append((part.filename, (type(exc), exc.message, exc.details)))
        else:
            new = to_new_activity(parsed, source="", external_id=None, name=None)
            out.append((part.filename, (parsed, held_of(new))))
    return out


def _ahead(unpacked: Unpacked) -> list[tuple[str, Any]]:
    """The same, from what the worker sent back (refusals raised as the import raises them)."""
    try:
        parts = unpacked.activities()
    except InvalidInput as exc:
        return [("", (type(exc), exc.message, exc.details))]
    out: list[tuple[str, Any]] = []
    for part in parts:
        try:
            parsed = part.decoded()
        except InvalidInput as exc:
            out.append((part.filename, (type(exc), exc.message, exc.details)))
        else:
            out.append((part.filename, (parsed, part.held)))
    return out


def _files() -> list[tuple[str, bytes]]:
    files = [(info.path.name, info.path.read_bytes()) for info in fit_manifest() if info.path.is_file()]
    run, walk = (require(p).read_bytes() for p in CHAINED)
    files.append(("chained.fit", run + walk))
    files.append(("run.fit.gz", gzip.compress(run, mtime=0)))
    files.append(("damaged.fit.gz", gzip.compress(run, mtime=0)[:-40]))
    return files


async def test_the_worker_gives_what_the_import_works_out_itself_for_every_real_file() -> None:
    files = _files()
    with DecodeAhead(max_bytes=CAP, decoder="fast", depth=len(files)) as ahead:
        for key, (name, data) in enumerate(files):
            ahead.submit(key, data, filename=name)
        for key, (name, data) in enumerate(files):
            future = ahead.take(key)
            assert future is not None
            assert _ahead(await future) == _here(data, name), name
    kinds = [_here(data, name) for name, data in files]
    refused = sum(1 for parts in kinds for _, what in parts if isinstance(what[0], type))
    assert refused >= 5 and len(kinds[-3]) == 2, "damaged files, a damaged wrapper and a chain are covered"


async def test_leaving_on_an_error_leaves_no_worker_behind() -> None:
    before = set(multiprocessing.active_children())
    with (
        pytest.raises(RuntimeError, match="the import failed"),
        DecodeAhead(max_bytes=CAP, decoder="fast") as ahead,
    ):
        for key in range(3):
            ahead.submit(key, require(CHAINED[0]).read_bytes(), filename="run.fit")
        raise RuntimeError("the import failed")  # with files still queued and one being decoded
    assert set(multiprocessing.active_children()) == before


async def test_a_cancelled_import_waits_for_its_worker_without_stopping_the_event_loop() -> None:
    """`async with`: the worker is waited for in a thread, so other tasks (other jobs, heartbeats) run
    meanwhile; the sync `close` would block them until the file being decoded is done."""
    before = set(multiprocessing.active_children())
    ticks = 0
    ticks_when_closing = -1

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    async def an_import() -> None:
        nonlocal ticks_when_closing
        ahead = DecodeAhead(max_bytes=CAP, decoder="fast")
        try:
            async with ahead:
                for key in range(3):
                    ahead.submit(key, require(CHAINED[0]).read_bytes(), filename="run.fit")
                await asyncio.Event().wait()  # until cancelled, with files queued
        finally:
            ticks_when_closing = ticks

    ticker = asyncio.create_task(tick())
    task = asyncio.create_task(an_import())
    await asyncio.sleep(0.2)
    started = ticks
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    ticker.cancel()
    assert ticks > started, "the event loop ran before the import was cancelled"
    assert set(multiprocessing.active_children()) == before, "the worker is gone once the context is left"
    assert ticks_when_closing > started + 50, "other tasks ran while the worker was waited for"


_ORPHAN = """
import asyncio, os, sys
from tools.activities.ahead import DecodeAhead

async def main() -> None:
    ahead = DecodeAhead(max_bytes=1 << 20, decoder="fast")
    ahead.submit(0, b"not a FIT file", filename="x.fit")
    await ahead.take(0)
    import multiprocessing
    print(*(p.pid for p in multiprocessing.active_children()), flush=True)
    sys.stdin.read()  # until killed

if __name__ == "__main__":
    asyncio.run(main())
"""


def test_a_worker_whose_parent_is_killed_exits_by_itself(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(_ORPHAN)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    parent = subprocess.Popen(
        [sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True
    )
    assert parent.stdout is not None
    workers = [psutil.Process(int(pid)) for pid in parent.stdout.readline().split()]
    assert workers, "the parent started its worker"
    parent.send_signal(signal.SIGKILL)  # no cleanup of its own runs
    parent.wait()
    deadline = time.monotonic() + 60  # a liveness bound, not a speed check
    try:
        while any(_alive(w) for w in workers):
            assert time.monotonic() < deadline, "the worker outlived its killed parent"
            time.sleep(0.05)
    finally:
        for worker in filter(_alive, workers):
            worker.kill()


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
