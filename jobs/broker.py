"""The Taskiq broker over Redis streams, built once per process from the resolved Redis URL.

`consumer_id="0"`: the consumer group starts at the beginning of the stream, so messages sent before the
first worker ever started are still delivered (the default "$" would drop them). Unacknowledged messages
of a killed worker are claimed by another worker after `idle_timeout` (the visibility timeout,
`RUNCOACH_JOB_VISIBILITY_TIMEOUT_S`), on the next poll, and a worker outlives a Redis restart
(`jobs.stream_broker`).
"""

from __future__ import annotations

from taskiq import AsyncBroker
from taskiq_redis import RedisAsyncResultBackend

from core.runtime import ensure_services
from core.settings import get_settings
from jobs.runner import run_job
from jobs.stream_broker import ReclaimingStreamBroker
from jobs.tasks.maintenance import requeue_stale_jobs
from jobs.tasks.proactive_schedule import register_proactive
from jobs.tasks.sync_schedule import register_sync_schedule

QUEUE = "runcoach:jobs"
VISIBILITY_TIMEOUT_MS = 5 * 60 * 1000

_broker: AsyncBroker | None = None


def build_broker(redis_url: str, *, visibility_timeout_ms: int = VISIBILITY_TIMEOUT_MS) -> AsyncBroker:
    broker = ReclaimingStreamBroker(
        redis_url,
        queue_name=QUEUE,
        consumer_group_name="runcoach-workers",
        consumer_id="0",
        idle_timeout=visibility_timeout_ms,
        unacknowledged_lock_timeout=30,
        xread_block=1000,
    ).with_result_backend(RedisAsyncResultBackend(redis_url, result_ex_time=3600))
    broker.register_task(run_job, task_name="runcoach.run_job")
    broker.register_task(
        requeue_stale_jobs, task_name="runcoach.requeue_stale_jobs", schedule=[{"cron": "* * * * *"}]
    )
    register_proactive(broker)
    register_sync_schedule(broker)
    return broker


def get_broker() -> AsyncBroker:
    global _broker
    if _broker is None:
        visibility_ms = int(get_settings().job_visibility_timeout_s * 1000)
        _broker = build_broker(ensure_services().redis_url, visibility_timeout_ms=visibility_ms)
    return _broker


def use_broker(broker: AsyncBroker | None) -> None:
    global _broker
    _broker = broker
