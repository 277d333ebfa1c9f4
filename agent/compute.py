"""A bound on how many chat turns compute at once, apart from how many run at once.

A turn that waits for a remote model holds no CPU: an api process can have many such turns running while
only a few of them have work for the CPU (loading the context, running tools, saving). `ComputeGate` is that
second bound: a turn holds one of its permits while it runs (`gate.permit()`), and gives it back while it
waits for a remote model (`gated(model, permit)` wraps the turn's model), taking one again when the answer
is there. A model that runs in this process (the offline coach, `FunctionModel` / `TestModel`) is CPU work
like any other: the turn keeps its permit through it. So the turn slots can be sized for model-bound turns
while CPU-bound work stays at a few at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models import Model, ModelRequestParameters, StreamedResponse
from pydantic_ai.models.function import FunctionModel
from pydantic_ai.models.test import TestModel
from pydantic_ai.models.wrapper import WrapperModel
from pydantic_ai.settings import ModelSettings

__all__ = ["ComputeGate", "Permit", "gated", "runs_here", "ungated"]


class Permit:
    """One turn's place in a `ComputeGate` (held or given back while it waits)."""

    def __init__(self, semaphore: asyncio.Semaphore) -> None:
        self._semaphore = semaphore
        self.held = False

    async def take(self) -> None:
        if not self.held:
            await self._semaphore.acquire()
            self.held = True

    def give(self) -> None:
        if self.held:
            self.held = False
            self._semaphore.release()

    @asynccontextmanager
    async def away(self) -> AsyncIterator[None]:
        """Given back inside (the turn waits for something that is not this process's CPU)."""
        self.give()
        try:
            yield
        finally:
            await self.take()


class ComputeGate:
    """At most `limit` turns of this process hold a permit at once (one event loop)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.waiting = 0
        self._semaphore = asyncio.Semaphore(limit)

    @asynccontextmanager
    async def permit(
        self, *, queued: Callable[[int], Awaitable[None]] | None = None
    ) -> AsyncIterator[Permit]:
        """A permit, held inside. When none is free at once, `queued(place)` is awaited first (`place`: how
        many turns wait for one, this one included)."""
        permit = Permit(self._semaphore)
        if queued is not None and self._semaphore.locked():
            self.waiting += 1
            try:
                await queued(self.waiting)
                await permit.take()
            finally:
                self.waiting -= 1
        else:
            await permit.take()
        try:
            yield permit
        finally:
            permit.give()


class _Gated(WrapperModel):
    def __init__(self, wrapped: Model, permit: Permit) -> None:
        super().__init__(wrapped)
        self.permit = permit

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        async with self.permit.away():
            return await self.wrapped.request(messages, model_settings, model_request_parameters)

    @asynccontextmanager
    async def request_stream(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
        run_context: Any = None,
    ) -> AsyncIterator[StreamedResponse]:
        async with (
            self.permit.away(),
            self.wrapped.request_stream(
                messages, model_settings, model_request_parameters, run_context
            ) as response,
        ):
            yield response


def gated(model: Model, permit: Permit) -> Model:
    """`model`, giving `permit` back while a request waits for the answer."""
    return _Gated(model, permit)


def runs_here(model: Model) -> bool:
    """Whether the model computes in this process (no remote call to wait for)."""
    return isinstance(model, FunctionModel | TestModel)


def ungated(model: Model) -> Model:
    """The model a `gated` one wraps (any other model as it is)."""
    return model.wrapped if isinstance(model, _Gated) else model
