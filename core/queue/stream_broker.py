"""taskiq-redis's stream broker with the two behaviours a worker needs to survive faults.

taskiq-redis 1.2's `RedisStreamBroker.listen`:
- claims the messages of a dead worker (XAUTOCLAIM after the visibility timeout) only right after XREADGROUP
  returned new messages, so a job whose worker was killed waited for unrelated traffic (on a quiet queue:
  forever);
- lets a Redis connection error escape: taskiq's `run_receiver_task` then tears its receiver down and
  starts another at once, in a loop with no pause that logs a traceback per turn for as long as Redis is
  away.

`ReclaimingStreamBroker.listen` reads new messages, then claims idle ones on every poll, and when Redis is
away it waits (backing off) and carries on with the same consumer group once Redis answers again.

Claiming on every poll makes one more thing necessary: a job that simply runs longer than the visibility
timeout must not look abandoned. While a message is being worked on, its worker re-claims it for itself
every third of the timeout (XCLAIM … JUSTID, which resets its idle time); the acknowledgement stops that.
A killed worker stops too, so only its messages go idle and move to another worker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from typing import Any, cast

from redis import exceptions as redis_exc
from redis.asyncio import Redis
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker

log = logging.getLogger(__name__)

RECONNECT_FIRST_S = 0.5
RECONNECT_MAX_S = 5.0


class ReclaimingStreamBroker(RedisStreamBroker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._claims: dict[bytes | str, asyncio.Task[None]] = {}  # messages being worked on here
        self._acks_stopped = False

    async def shutdown(self) -> None:
        tasks = list(self._claims.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await super().shutdown()

    def stop_acknowledging(self) -> None:
        """From now on a finished message is not acknowledged but kept for `release`: a stopping worker
        calls this before it cancels its late jobs (taskiq acknowledges a cancelled task like a failed one,
        which would drop the job's message)."""
        self._acks_stopped = True

    async def release(self) -> int:
        """Hand the messages still held here back to the other workers at once (a stopping worker, once it
        has cancelled their jobs): their idle time is set to the visibility timeout, so the next poll of any
        worker claims them. The number released."""
        held = list(self._claims.items())
        for _, task in held:
            task.cancel()
        if not held:
            return 0
        async with Redis(connection_pool=self.connection_pool) as redis:
            await redis.xclaim(
                self.queue_name,
                self.consumer_group_name,
                self.consumer_name,
                min_idle_time=0,
                message_ids=[entry_id for entry_id, _ in held],
                idle=self.idle_timeout,
                justid=True,
            )
        return len(held)

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        wait = RECONNECT_FIRST_S
        while True:
            try:
                async for message in self._poll():
                    wait = RECONNECT_FIRST_S
                    yield message
            except (redis_exc.ConnectionError, redis_exc.TimeoutError) as exc:
                log.warning("the job queue (Redis) is not answering (%s); retrying in %.1fs", exc, wait)
                await asyncio.sleep(wait)
                wait = min(RECONNECT_MAX_S, wait * 2)
            except redis_exc.ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                log.warning("the job queue lost its consumer group (Redis lost its data); creating it again")
                await self._declare_consumer_group()

    async def _poll(self) -> AsyncGenerator[AckableMessage, None]:
        streams = [self.queue_name, *self.additional_streams]
        async with Redis(connection_pool=self.connection_pool) as redis:
            while True:
                fetched: Any = await redis.xreadgroup(
                    self.consumer_group_name,
                    self.consumer_name,
                    {self.queue_name: ">", **self.additional_streams},  # type: ignore[dict-item]
                    block=self.block,
                    noack=False,
                    count=self.count,
                )
                for stream, entries in cast(list[Any], fetched or []):
                    for entry_id, fields in entries:
                        yield self._message(stream, entry_id, fields)
                for stream in streams:
                    claimed: Any = await redis.xautoclaim(
                        stream,
                        self.consumer_group_name,
                        self.consumer_name,
                        min_idle_time=self.idle_timeout,
                        count=self.unacknowledged_batch_size,
                    )
                    for entry_id, fields in claimed[1]:
                        if entry_id in self._claims:  # ours, still running (its loop was busy a while)
                            continue
                        if not fields:  # trimmed from the stream meanwhile: nothing to run
                            await redis.xack(stream, self.consumer_group_name, entry_id)
                            continue
                        log.info("claimed job message %s of a worker that did not acknowledge it", entry_id)
                        yield self._message(stream, entry_id, fields)

    def _message(
        self, stream: bytes | str, entry_id: bytes | str, fields: dict[bytes, bytes]
    ) -> AckableMessage:
        queue = stream.decode() if isinstance(stream, bytes) else stream
        ack = self._ack_generator(id=entry_id, queue_name=queue)  # type: ignore[arg-type]
        claim = asyncio.create_task(self._keep_claimed(queue, entry_id), name=f"keep claimed {entry_id!r}")
        self._claims[entry_id] = claim
        claim.add_done_callback(lambda _: self._claims.pop(entry_id, None))

        async def done() -> None:
            if self._acks_stopped:  # kept for `release`
                return
            claim.cancel()
            await ack()

        return AckableMessage(data=fields[b"data"], ack=done)

    async def _keep_claimed(self, stream: str, entry_id: bytes | str) -> None:
        """Until cancelled (the message is acknowledged): reset its idle time every third of the timeout."""
        every = max(0.2, self.idle_timeout / 3000)
        async with Redis(connection_pool=self.connection_pool) as redis:
            while True:
                await asyncio.sleep(every)
                try:
                    await redis.xclaim(
                        stream,
                        self.consumer_group_name,
                        self.consumer_name,
                        min_idle_time=0,
                        message_ids=[entry_id],
                        justid=True,
                    )
                except redis_exc.RedisError as exc:  # Redis away: the next round tries again
                    log.warning("could not keep job message %r claimed: %s", entry_id, exc)
