"""The Taskiq broker over Redis streams, built once per process from the resolved Redis URL.

`consumer_id="0"`: the consumer group starts at the beginning of the stream, so messages sent before the
first worker ever started are still delivered (the default "$" would drop them). Unacknowledged messages
of a killed worker are claimed by another worker after `idle_timeout` (the visibility timeout,
`RUNCOACH_JOB_VISIBILITY_TIMEOUT_S`), on the next poll, and a worker outlives a Redis restart
(`core.queue.stream_broker`).

This broker only sends (by task name); the worker registers the tasks it runs on it (`jobs.broker`).
"""

from __future__ import annotations

from taskiq import AsyncBroker
from taskiq_redis import RedisAsyncResultBackend

from core.queue.stream_broker import ReclaimingStreamBroker
from core.runtime import ensure_services
from core.settings import get_settings

QUEUE = "runcoach:jobs"
VISIBILITY_TIMEOUT_MS = 5 * 60 * 1000
#: the one task that runs any job by its row (`jobs.runner.run_job`)
RUN_JOB_TASK = "runcoach.run_job"

_broker: AsyncBroker | None = None


def build_broker(redis_url: str, *, visibility_timeout_ms: int = VISIBILITY_TIMEOUT_MS) -> AsyncBroker:
    return ReclaimingStreamBroker(
        redis_url,
        queue_name=QUEUE,
        consumer_group_name="runcoach-workers",
        consumer_id="0",
        idle_timeout=visibility_timeout_ms,
        unacknowledged_lock_timeout=30,
        xread_block=1000,
    ).with_result_backend(RedisAsyncResultBackend(redis_url, result_ex_time=3600))


def get_broker() -> AsyncBroker:
    global _broker
    if _broker is None:
        visibility_ms = int(get_settings().job_visibility_timeout_s * 1000)
        _broker = build_broker(ensure_services().redis_url, visibility_timeout_ms=visibility_ms)
    return _broker


def use_broker(broker: AsyncBroker | None) -> None:
    global _broker
    _broker = broker
