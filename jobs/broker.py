"""The process's broker (`core.queue.broker`) with the tasks a worker and the scheduler run registered on it:
`runcoach.run_job` (any job by its row), the maintenance sweep, the proactive and sync schedules.
"""

from __future__ import annotations

from taskiq import AsyncBroker

from core.queue import broker as queue
from core.queue.broker import RUN_JOB_TASK, use_broker
from jobs.runner import run_job
from jobs.tasks.maintenance import requeue_stale_jobs
from jobs.tasks.proactive_schedule import register_proactive
from jobs.tasks.sync_schedule import register_sync_schedule

__all__ = ["build_broker", "get_broker", "register_tasks", "use_broker"]


def register_tasks(broker: AsyncBroker) -> AsyncBroker:
    """Register the worker's tasks on `broker` (once)."""
    if broker.find_task(RUN_JOB_TASK) is None:
        broker.register_task(run_job, task_name=RUN_JOB_TASK)
        broker.register_task(
            requeue_stale_jobs, task_name="runcoach.requeue_stale_jobs", schedule=[{"cron": "* * * * *"}]
        )
        register_proactive(broker)
        register_sync_schedule(broker)
    return broker


def build_broker(redis_url: str, *, visibility_timeout_ms: int = queue.VISIBILITY_TIMEOUT_MS) -> AsyncBroker:
    return register_tasks(queue.build_broker(redis_url, visibility_timeout_ms=visibility_timeout_ms))


def get_broker() -> AsyncBroker:
    return register_tasks(queue.get_broker())
