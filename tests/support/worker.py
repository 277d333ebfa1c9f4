"""A real Taskiq worker in the test's event loop (as `runcoach worker` runs it), on the real Redis and
PostgreSQL, stopped at the end of the block."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from jobs import broker as job_broker
from jobs.worker import run_worker


@asynccontextmanager
async def running_worker() -> AsyncIterator[None]:
    job_broker.use_broker(None)
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(stop))
    await asyncio.sleep(0.3)
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
        job_broker.use_broker(None)
