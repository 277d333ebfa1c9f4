"""The compute gate: at most `limit` turns hold a permit; a turn gives it back while it waits for a remote
model and takes one again for what follows; a turn that has to wait is told its place at once."""

from __future__ import annotations

import asyncio

from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart
from pydantic_ai.models import ModelRequestParameters
from pydantic_ai.models.function import AgentInfo, FunctionModel

from agent.compute import ComputeGate, gated, runs_here, ungated
from agent.offline import offline_model

HANG_S = 10.0


async def test_a_turn_waiting_for_its_model_lets_another_compute() -> None:
    gate = ComputeGate(1)
    answering = asyncio.Event()
    answer = asyncio.Event()

    async def remote(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        answering.set()
        await answer.wait()  # a remote model thinking: no CPU of ours
        return ModelResponse(parts=[TextPart("done")])

    order: list[str] = []

    async def first() -> None:
        async with gate.permit() as permit:
            order.append("first computes")
            model = gated(FunctionModel(remote), permit)
            await model.request([ModelRequest.user_text_prompt("hi")], None, ModelRequestParameters())
            assert permit.held, "the permit is taken again for what follows the answer"
            order.append("first goes on")

    async def second() -> None:
        await asyncio.wait_for(answering.wait(), HANG_S)
        places: list[int] = []

        async def queued(place: int) -> None:
            places.append(place)

        async with gate.permit(queued=queued):
            order.append("second computes")
            assert places == [], "the first turn's permit was free while it waited for its model"
            answer.set()
            await asyncio.sleep(0.05)
            order.append("second done")

    await asyncio.wait_for(asyncio.gather(first(), second()), HANG_S)
    assert order == ["first computes", "second computes", "second done", "first goes on"], (
        "the first turn waited for the permit again before going on"
    )


async def test_a_turn_that_waits_for_a_permit_is_told_its_place_at_once() -> None:
    gate = ComputeGate(1)
    release = asyncio.Event()
    places: list[int] = []

    async def holder() -> None:
        async with gate.permit():
            await release.wait()

    async def queued(place: int) -> None:
        places.append(place)

    async def waiter() -> str:
        async with gate.permit(queued=queued):
            return "ran"

    held = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(waiter())
    await asyncio.sleep(0.05)
    assert places == [1] and not waiting.done() and gate.waiting == 1
    release.set()
    assert await asyncio.wait_for(waiting, HANG_S) == "ran"
    await held
    assert gate.waiting == 0


def test_the_offline_coach_keeps_its_permit_and_a_gated_model_unwraps() -> None:
    offline = offline_model()
    assert runs_here(offline), "the offline coach computes in this process: its turn keeps the permit"

    async def remote(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        return ModelResponse(parts=[TextPart("ok")])

    gate = ComputeGate(1)

    async def unwrap() -> None:
        async with gate.permit() as permit:
            wrapped = gated(FunctionModel(remote), permit)
            assert not runs_here(wrapped) and runs_here(ungated(wrapped))

    asyncio.run(unwrap())
