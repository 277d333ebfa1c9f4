"""Fair shares of an api process's chat turns between users.

At most `capacity` turns run at once in the process, and at most `per_user` of them belong to one user. A
turn that cannot run waits in its user's queue (first come, first served within a user). When a slot is
free, it goes to the waiting user with the fewest turns running now, the longest-waiting of those first: so
one user posting in many threads takes at most `per_user` slots, and someone else's turn starts at the next
free slot instead of behind all of theirs.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

__all__ = ["FairSlots"]


class FairSlots:
    """See the module docstring. One per process (not shared across replicas), used from one event loop."""

    def __init__(self, capacity: int, per_user: int) -> None:
        self.capacity = capacity
        self.per_user = max(1, min(per_user, capacity))
        self._running: dict[int, int] = {}
        self._waiting: dict[int, deque[asyncio.Future[None]]] = {}  # insertion order = who waits longest
        self._total = 0

    @property
    def running(self) -> int:
        return self._total

    @property
    def waiting(self) -> int:
        return sum(len(queue) for queue in self._waiting.values())

    @asynccontextmanager
    async def slot(
        self, user_id: int, *, queued: Callable[[int], Awaitable[None]] | None = None
    ) -> AsyncIterator[None]:
        """Hold one of the process's turn slots for `user_id` (waiting for a fair turn) while inside.

        When no slot is free at once, `queued(place)` is awaited first (`place`: how many turns wait,
        this one included)."""
        await self._acquire(user_id, queued)
        try:
            yield
        finally:
            self._release(user_id)

    async def _acquire(self, user_id: int, queued: Callable[[int], Awaitable[None]] | None = None) -> None:
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(user_id, deque()).append(granted)
        self._dispatch()
        try:
            if queued is not None and not granted.done():
                await queued(self.waiting)
            await granted
        except BaseException:
            if granted.done() and not granted.cancelled():
                self._release(user_id)  # granted just as the waiter gave up: hand the slot on
            else:
                granted.cancel()
                self._forget(user_id, granted)
            raise

    def _release(self, user_id: int) -> None:
        self._total -= 1
        left = self._running[user_id] - 1
        if left:
            self._running[user_id] = left
        else:
            del self._running[user_id]
        self._dispatch()

    def _forget(self, user_id: int, waiter: asyncio.Future[None]) -> None:
        queue = self._waiting.get(user_id)
        if queue is not None and waiter in queue:
            queue.remove(waiter)
            if not queue:
                del self._waiting[user_id]

    def _next_user(self) -> int | None:
        best: int | None = None
        for user_id in self._waiting:  # longest-waiting user first: ties keep that order
            running = self._running.get(user_id, 0)
            if running < self.per_user and (best is None or running < self._running.get(best, 0)):
                best = user_id
        return best

    def _dispatch(self) -> None:
        while self._total < self.capacity:
            user_id = self._next_user()
            if user_id is None:
                return
            queue = self._waiting.pop(user_id)
            waiter = queue.popleft()
            if queue:  # the user goes to the back of the line for their next turn
                self._waiting[user_id] = queue
            if waiter.done():  # cancelled while waiting
                continue
            waiter.set_result(None)
            self._running[user_id] = self._running.get(user_id, 0) + 1
            self._total += 1
