"""`runcoach worker` and `runcoach scheduler`: Taskiq's receiver and scheduler, in-process.

A worker asked to stop (SIGTERM, Ctrl-C) takes no new job and gives the running ones
`worker_shutdown_grace_s` to finish (they are acknowledged as usual). Jobs still running after that are
cancelled — their unit of work rolls back, as on any failure — and their queue messages handed back at once
(`ReclaimingStreamBroker.release`), so another worker takes them on its next poll instead of after the
visibility timeout. Jobs are idempotent, so the rerun does not duplicate what the first run committed.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from taskiq import AckableMessage, TaskiqScheduler
from taskiq.acks import AcknowledgeType
from taskiq.api import run_scheduler_task
from taskiq.receiver import Receiver
from taskiq.schedule_sources import LabelScheduleSource

from core.queue.stream_broker import ReclaimingStreamBroker
from core.settings import get_settings
from jobs.broker import get_broker
from jobs.runner import handlers

log = logging.getLogger(__name__)


class _Receiver(Receiver):
    """taskiq's receiver, keeping the tasks that run messages (a stopping worker cancels the late ones)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.running: set[asyncio.Task[Any]] = set()

    async def callback(self, message: bytes | AckableMessage, raise_err: bool = False) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.running.add(task)
        try:
            await super().callback(message, raise_err)
        finally:
            if task is not None:
                self.running.discard(task)


async def run_worker(stop: asyncio.Event, *, max_async_tasks: int = 20) -> None:
    # import every job module now: done lazily by the first job, the imports (the agent's among them) held
    # the event loop for seconds, long enough for that job's message to look abandoned
    handlers()
    grace_s = get_settings().worker_shutdown_grace_s
    broker = get_broker()
    await broker.startup()
    broker.is_worker_process = True
    finish = asyncio.Event()
    with ThreadPoolExecutor() as executor:
        receiver = _Receiver(
            broker=broker,
            executor=executor,
            run_startup=False,
            max_async_tasks=max_async_tasks,
            ack_type=AcknowledgeType.WHEN_SAVED,
            wait_tasks_timeout=grace_s,
        )
        listening = asyncio.create_task(receiver.listen(finish))
        log.info("worker started")
        try:
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({listening, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if listening.done():
                listening.result()  # the receiver failed: raise it (the process exits, and is restarted)
        finally:
            await _stop(broker, receiver, listening, finish, grace_s)


async def _stop(
    broker: Any, receiver: _Receiver, listening: asyncio.Task[None], finish: asyncio.Event, grace_s: float
) -> None:
    """No new job; running ones get `grace_s`; the rest are cancelled and their messages handed back."""
    finish.set()
    if receiver.running:
        log.info(
            "worker stopping: waiting up to %.0f s for %d running job(s)", grace_s, len(receiver.running)
        )
    try:  # the receiver itself waits `grace_s` for its running jobs, then returns
        await asyncio.wait_for(asyncio.shield(listening), grace_s + 5)
    except Exception:
        log.warning("the job receiver did not stop cleanly", exc_info=True)
    late = set(receiver.running)
    if isinstance(broker, ReclaimingStreamBroker):
        broker.stop_acknowledging()
    for task in late:
        task.cancel()
    if late:
        await asyncio.gather(*late, return_exceptions=True)
    listening.cancel()
    await asyncio.gather(listening, return_exceptions=True)
    if isinstance(broker, ReclaimingStreamBroker):
        try:
            released = await broker.release()
        except Exception:
            log.warning("could not hand back the unfinished jobs; they move after the visibility timeout")
        else:
            if late or released:
                log.info("worker stopping: %d job(s) cancelled, %d handed back", len(late), released)
    if not late:
        log.info("worker stopping: every running job finished")
    await broker.shutdown()
    log.info("worker stopped")


async def run_scheduler(stop: asyncio.Event) -> None:
    broker = get_broker()
    await broker.startup()
    scheduler = TaskiqScheduler(broker, sources=[LabelScheduleSource(broker)])
    task = asyncio.create_task(run_scheduler_task(scheduler, run_startup=True))
    log.info("scheduler started")
    try:
        await stop.wait()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await broker.shutdown()
        log.info("scheduler stopped")
