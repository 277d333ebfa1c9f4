"""The proactive tasks on the Taskiq scheduler (registered by `jobs.broker.build_broker`).

Triggers are evaluated every 5 minutes (each in the user's own time zone, so a cron in UTC is right);
deliveries every minute, so a message held by quiet hours goes out within a minute of their end.
The task bodies import the agent lazily: the broker module stays light for every process that imports it.
"""

from __future__ import annotations

from typing import Any

from taskiq import AsyncBroker


async def _tick() -> dict[str, Any]:
    from jobs.tasks.proactive import proactive_tick

    return await proactive_tick()


async def _deliver() -> dict[str, Any]:
    from jobs.tasks.proactive import deliver_notifications

    return await deliver_notifications()


def register_proactive(broker: AsyncBroker) -> None:
    broker.register_task(_tick, task_name="runcoach.proactive_tick", schedule=[{"cron": "*/5 * * * *"}])
    broker.register_task(
        _deliver, task_name="runcoach.deliver_notifications", schedule=[{"cron": "* * * * *"}]
    )
