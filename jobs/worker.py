"""`runcoach worker` and `runcoach scheduler`: Taskiq's receiver and scheduler, in-process."""

from __future__ import annotations

import asyncio
import logging

from taskiq import TaskiqScheduler
from taskiq.acks import AcknowledgeType
from taskiq.api import run_receiver_task, run_scheduler_task
from taskiq.schedule_sources import LabelScheduleSource

from jobs.broker import get_broker
from jobs.runner import handlers

log = logging.getLogger(__name__)


async def run_worker(stop: asyncio.Event, *, max_async_tasks: int = 20) -> None:
    # import every job module now: done lazily by the first job, the imports (the agent's among them) held
    # the event loop for seconds, long enough for that job's message to look abandoned
    handlers()
    broker = get_broker()
    await broker.startup()
    receiver = asyncio.create_task(
        run_receiver_task(broker, max_async_tasks=max_async_tasks, ack_time=AcknowledgeType.WHEN_SAVED)
    )
    log.info("worker started")
    try:
        await stop.wait()
    finally:
        receiver.cancel()
        await asyncio.gather(receiver, return_exceptions=True)
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
