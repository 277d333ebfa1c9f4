"""An api replica asked to stop (SIGTERM) in the middle of a chat turn hands the stream to the other one.

Two `runcoach api` replicas, A and B, on one stack. The model is a local fake OpenAI-compatible server (the
real openai client inside pydantic-ai talks to it), held after its first words so the stop lands mid-turn.
The client follows the turn like the web app: when a response ends without a final event it reconnects with
`Last-Event-ID` — here straight to B, as a load balancer would send it.

Promise (issues 9 and 10): A drains first (/readyz 503, still serving), then stops taking connections and
ends the stream cleanly; the turn goes on on A; the client, resumed on B, gets every remaining event exactly
once, ending with the final one; the turn is saved once; A exits once the turn is done.
"""

from __future__ import annotations

import asyncio
import signal
import threading

import httpx
import pytest

from tests.agent.fake_llm import Reply, fake_llm
from tests.faults.chat_client import FollowedTurn, assert_whole_turn, follow_turn
from tests.faults.conftest import REQUEST_TIMEOUT_S, Account, sign_up, until
from tests.faults.stack import Stack

pytestmark = pytest.mark.slow

ANSWER = "Easy runs build the base; keep most of them conversational and short."
QUESTION = "How should I train?"
#: long enough that the test ends the drain itself (a second SIGTERM), never the clock
DRAIN_S = 120


async def _status(url: str) -> int | None:
    """The status of GET `url`, or None when the connection is refused."""
    try:
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S) as client:
            return (await client.get(url)).status_code
    except httpx.ConnectError:
        return None


async def test_sigterm_mid_turn_drains_then_the_client_resumes_the_turn_on_the_other_replica(
    stack: Stack, accounts: list[Account]
) -> None:
    gate = threading.Event()
    with fake_llm(Reply(text=ANSWER, hold=gate)) as model:
        env = {
            "RUNCOACH_LLM_PROVIDER": "openai_compatible",
            "OPENAI_BASE_URL": f"{model.url}/v1",
            "RUNCOACH_OPENAI_COMPATIBLE_MODEL": "fake-model",
            "RUNCOACH_API_DRAIN_S": str(DRAIN_S),
        }
        a, b = (stack.role("api", env=env, ready=False) for _ in "ab")
        for replica in (a, b):
            await asyncio.to_thread(replica.wait_ready)
        account = await sign_up(a.url or "")
        accounts.append(account)
        thread = (await account.client.post("/api/v1/chat/threads", json={})).json()["id"]
        on_b = httpx.AsyncClient(
            base_url=b.url or "", cookies=account.client.cookies, timeout=REQUEST_TIMEOUT_S
        )
        try:
            turn = FollowedTurn()
            following = asyncio.create_task(follow_turn(account.client, thread, QUESTION, turn, resume=on_b))
            await until(
                lambda: model.held.is_set() and turn.started(), within_s=REQUEST_TIMEOUT_S, what="first words"
            )

            # 1. draining: A tells load balancers to go elsewhere and still serves what reaches it
            a.proc.send_signal(signal.SIGTERM)
            for _ in range(int(REQUEST_TIMEOUT_S * 10)):
                if await _status(f"{a.url}/readyz") == 503:
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("A's /readyz never answered 503 while draining")
            assert await _status(f"{a.url}/healthz") == 200
            assert await _status(f"{b.url}/readyz") == 200
            assert turn.responses == ["POST"] and not following.done(), "the stream stays open while draining"

            # 2. stopping (a second signal ends the drain): A's stream ends cleanly, the client resumes on B
            a.proc.send_signal(signal.SIGTERM)
            await until(
                lambda: len(turn.responses) == 2 or following.done(),
                within_s=REQUEST_TIMEOUT_S,
                what="the resume on B",
            )
            if following.done():
                following.result()  # the stream was cut, or the resume refused: that error fails the test
            assert turn.responses == ["POST", "GET"]
            assert not turn.final, "A ended the stream without a final event: the turn goes on"
            assert await _status(f"{a.url}/healthz") is None, "A takes no new connections"
            assert a.alive(), "A is finishing its turn"

            # 3. once A waits for its running turn (its lifespan's shutdown), the model finishes on A and B
            # streams the rest from the buffer
            await until(
                lambda: "running chat turn(s) to finish" in a.log(),
                within_s=REQUEST_TIMEOUT_S,
                what="A waiting for its turn",
            )
            gate.set()
            await asyncio.wait_for(following, REQUEST_TIMEOUT_S)
            returncode = await asyncio.to_thread(a.proc.wait, REQUEST_TIMEOUT_S)
            detail = (await on_b.get(f"/api/v1/chat/threads/{thread}")).json()
        finally:
            gate.set()
            await on_b.aclose()

        assert returncode == -signal.SIGTERM  # uvicorn re-raises the signal once it has stopped cleanly
        assert_whole_turn(turn, ANSWER)
        log = a.log()
        assert "every chat turn finished" in log and "did not finish in time" not in log, log[-3000:]
        assert "ended after" in log  # the stream was ended by the stop, not cut
        # saved once, by A, and the thread is free
        assert detail["running"] is False
        assert [(m["role"], m["content"]) for m in detail["messages"]] == [
            ("user", QUESTION),
            ("assistant", ANSWER),
        ]
        assert len(model.requests) == 1, "one model call: the turn was neither repeated nor restarted"
    assert b.alive()
