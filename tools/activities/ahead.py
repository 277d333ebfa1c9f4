"""Decoding the next activity files in a worker process while the current ones are stored.

Decoding a file is pure Python that holds the GIL; storing one mostly waits on PostgreSQL. So while the
event loop stores file n, one worker *process* decodes the files after it (a thread contends with the event
loop for the GIL: measured slower). `DecodeAhead` hands back what `prepared.decode_ahead` made of each file
(decoded, and what its samples give), refusals included, and `import_file` takes that instead of working it
out: the import stores the same thing and refuses the same files with the same reasons, in the same order.

The worker is spawned, not forked (the parent holds an event loop, threads and database connections), when
the first file is queued. Like any spawned process it imports the parent's main module, so a script that
imports must keep its work under `if __name__ == "__main__":` (RunCoach's entry points and benches do).
Leaving the context (normally, on an error or on a cancellation) drops what was not decoded yet and waits
for the worker to exit (at most the file it is decoding); a worker whose parent is killed exits by itself.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Hashable
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType

from tools.activities.fit.decode import Decoder
from tools.activities.prepared import Unpacked, decode_ahead

#: files decoded ahead of the one being stored (one decodes while the next waits its turn)
DEPTH = 2


def _exit_with_parent() -> None:
    """In the worker: exit as soon as the parent process is gone (killed, it never says so)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class DecodeAhead:
    """Files queued by key (`submit`) are decoded in order in one worker process; `take` awaits one."""

    def __init__(self, *, max_bytes: int, decoder: Decoder, depth: int = DEPTH) -> None:
        self.depth = depth
        self._cap = max_bytes
        self._decoder: Decoder = decoder
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_exit_with_parent
        )
        self._pending: dict[Hashable, asyncio.Future[Unpacked]] = {}

    def __contains__(self, key: Hashable) -> bool:
        return key in self._pending

    def submit(self, key: Hashable, data: bytes, *, filename: str, sport: str | None = None) -> None:
        """Queue one file's bytes (as `import_file` would get them, with its `filename` and `sport`)."""
        work = functools.partial(
            decode_ahead, data, filename=filename, sport=sport, max_bytes=self._cap, decoder=self._decoder
        )
        self._pending[key] = asyncio.get_running_loop().run_in_executor(self._pool, work)

    def take(self, key: Hashable) -> asyncio.Future[Unpacked] | None:
        """What the worker makes of the file queued under `key`, to await; None when none was queued."""
        return self._pending.pop(key, None)

    def _drop_pending(self) -> None:
        for future in self._pending.values():
            if future.done() and not future.cancelled():
                future.exception()  # retrieved: an unused refusal or failure is not an error of its own
            future.cancel()
        self._pending.clear()

    def close(self) -> None:
        """Drop what was not taken and wait for the worker to exit (at most the file it is decoding)."""
        self._drop_pending()
        self._pool.shutdown(wait=True, cancel_futures=True)

    async def aclose(self) -> None:
        """`close`, waiting for the worker in a thread so the event loop goes on meanwhile."""
        self._drop_pending()
        await asyncio.to_thread(self._pool.shutdown, wait=True, cancel_futures=True)

    def __enter__(self) -> DecodeAhead:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> DecodeAhead:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
