"""The periodic sync on the Taskiq scheduler (registered by `jobs.broker.build_broker`): every 15 minutes,
the connected accounts whose last sync is older than `RUNCOACH_SYNC_INTERVAL_MIN` get a sync job
(`tools/integrations/auto_sync.py`). The body imports lazily, as the proactive tasks do."""

from __future__ import annotations

from typing import Any

from taskiq import AsyncBroker


async def _auto_sync() -> dict[str, Any]:
    from tools.integrations.auto_sync import run_auto_sync

    return (await run_auto_sync()).model_dump()


def register_sync_schedule(broker: AsyncBroker) -> None:
    broker.register_task(_auto_sync, task_name="runcoach.auto_sync", schedule=[{"cron": "*/15 * * * *"}])
