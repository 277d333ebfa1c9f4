"""Redis restarted in the middle of a chat turn served by a real `runcoach api` (SSE).

The model is a local fake OpenAI-compatible server (the real openai client inside pydantic-ai talks to it),
held after its first words so the restart lands mid-turn; it is released while Redis is down, so the turn
has events to buffer during the outage.

Promise (issue 9): the turn completes (or fails with a clear error event) and is saved — the thread's
messages hold it — and the thread is free for the next message (no lock held forever).
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from tests.agent.fake_llm import Reply, fake_llm
from tests.faults.chat_client import SseEvent, read_sse
from tests.faults.conftest import REQUEST_TIMEOUT_S, Account, sign_up, until
from tests.faults.stack import Stack

pytestmark = pytest.mark.slow

ANSWER = "Easy runs build the base; keep most of them conversational and short."


async def _turn(account: Account, thread: str, content: str) -> list[SseEvent]:
    events: list[SseEvent] = []
    path = f"/api/v1/chat/threads/{thread}/messages"
    async with account.client.stream("POST", path, json={"content": content}) as response:
        assert response.status_code == 200, await response.aread()
        await asyncio.wait_for(read_sse(response, events), REQUEST_TIMEOUT_S)
    return events


async def test_redis_restarted_mid_turn_the_turn_completes_is_saved_and_the_thread_is_free(
    stack: Stack, accounts: list[Account]
) -> None:
    gate = threading.Event()
    with fake_llm(Reply(text=ANSWER, hold=gate), Reply(text="Then add one session of strides.")) as model:
        api = stack.role(
            "api",
            env={
                "RUNCOACH_LLM_PROVIDER": "openai_compatible",
                "OPENAI_BASE_URL": f"{model.url}/v1",
                "RUNCOACH_OPENAI_COMPATIBLE_MODEL": "fake-model",
            },
        )
        account = await sign_up(api.url or "")
        accounts.append(account)
        thread = (await account.client.post("/api/v1/chat/threads", json={})).json()["id"]

        events: list[SseEvent] = []
        path = f"/api/v1/chat/threads/{thread}/messages"
        async with account.client.stream("POST", path, json={"content": "How should I train?"}) as response:
            assert response.status_code == 200
            reading = asyncio.create_task(read_sse(response, events))
            await until(
                lambda: any(e.type == "text_delta" for e in events), within_s=REQUEST_TIMEOUT_S, what="words"
            )
            assert model.held.is_set()  # the model is half way through its answer

            stack.stop_redis()
            gate.set()  # the model goes on while Redis is down: the turn has events to buffer
            await asyncio.sleep(1.5)
            stack.start_redis()
            await asyncio.wait_for(reading, REQUEST_TIMEOUT_S)

        # the same response carried the whole turn across the restart, each event once
        assert events[0].type == "turn_started" and events[-1].type == "message_done", events
        assert "".join(e.data["text"] for e in events if e.type == "text_delta") == ANSWER
        assert events[-1].data["text"] == ANSWER
        ids = [e.id for e in events]
        assert None not in ids and len(set(ids)) == len(ids)

        # saved: the thread's messages hold the turn, and nothing is running on it any more
        detail = (await account.client.get(f"/api/v1/chat/threads/{thread}")).json()
        assert detail["running"] is False
        assert [(m["role"], m["content"]) for m in detail["messages"]] == [
            ("user", "How should I train?"),
            ("assistant", ANSWER),
        ]
        # a reconnecting client is told there is nothing more (the turn is over, not left half way)
        resumed = await account.client.get(
            f"/api/v1/chat/threads/{thread}/events", headers={"Last-Event-ID": events[-1].id or ""}
        )
        assert resumed.status_code == 204

        # the thread is free: the next message is answered
        second = await _turn(account, thread, "And next week?")
        assert second[-1].type == "message_done"
        assert second[-1].data["text"] == "Then add one session of strides."
    assert api.alive()
