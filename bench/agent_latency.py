"""Coach latency with the offline model: server time from a message to the first event and to the first text
delta, through `agent.stream` (graph, PostgreSQL checkpoints, stored messages) against the bare pydantic-ai
agent without the graph (same agent, tools, model and database), in the same run.

    python bench/agent_latency.py [--turns 200] [--threads 20]

It starts its own embedded PostgreSQL and Redis under a temporary RUNCOACH_HOME (or uses DATABASE_URL /
REDIS_URL when set), migrates, creates one athlete, and runs `--turns` turns spread over `--threads` threads
(so history grows as it would). Each turn asks "who am I?", which the offline coach answers from `whoami`:
one tool call and a streamed answer. Times are wall-clock seconds inside this process (no HTTP).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.harness import percentile, run_on_fresh_database  # noqa: E402


def _row(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"  {name:<44} p50 {statistics.median(ms):7.1f} ms   p99 {percentile(ms, 99):7.1f} ms"
        f"   mean {statistics.fmean(ms):7.1f} ms"
    )


async def _bench(turns: int, threads: int) -> None:
    from agent.checkpoint import open_checkpointer
    from agent.coach import run_coach
    from agent.deps import CoachDeps
    from agent.events import TextDelta
    from agent.offline import offline_model
    from agent.stream import stream
    from core.database import dispose_engine, get_sessionmaker
    from core.runtime import ensure_services
    from tools.account.users import create_user
    from tools.deps import ToolDeps
    from tools.registry import all_tools

    services = ensure_services()
    saver, pool = await open_checkpointer(services.database_url, max_size=4)
    model = offline_model()
    maker = get_sessionmaker()
    async with maker() as session:
        user = await create_user(
            session, f"bench-{os.getpid()}@example.com", "bench-password", display_name="Bench"
        )
        await session.commit()
    message = "who am I?"
    thread_ids = [None] * threads

    graph_first: list[float] = []
    graph_text: list[float] = []
    graph_total: list[float] = []
    bare_first: list[float] = []
    bare_text: list[float] = []
    bare_total: list[float] = []

    async def graph_turn(i: int) -> None:
        slot = i % threads
        first = text = None
        async with maker() as session:
            started = time.perf_counter()
            async for event in stream(
                user, thread_ids[slot], message, session=session, model=model, checkpointer=saver
            ):
                now = time.perf_counter()
                if first is None:
                    first = now - started
                    thread_ids[slot] = getattr(event, "thread_id", None)
                if text is None and isinstance(event, TextDelta):
                    text = now - started
                if event.type in {"message_done", "error", "approval_required"}:
                    assert event.type == "message_done", event
            total = time.perf_counter() - started
        assert first is not None and text is not None
        graph_first.append(first)
        graph_text.append(text)
        graph_total.append(total)

    async def bare_turn() -> None:
        stamps: dict[str, float] = {}
        async with maker() as session:
            started = time.perf_counter()

            def emit(event: object) -> None:
                now = time.perf_counter()
                stamps.setdefault("first", now - started)
                if isinstance(event, TextDelta):
                    stamps.setdefault("text", now - started)

            deps = CoachDeps(tools=ToolDeps.for_user(session, user), emit=emit)
            await run_coach(model=model, deps=deps, prompt=message, history=[], context={}, specs=all_tools())
            total = time.perf_counter() - started
            await session.rollback()
        bare_first.append(stamps["first"])
        bare_text.append(stamps["text"])
        bare_total.append(total)

    for i in range(5):  # warm-up: imports, pools, prepared plans
        await graph_turn(i)
        await bare_turn()
    for values in (graph_first, graph_text, graph_total, bare_first, bare_text, bare_total):
        values.clear()
    for i in range(turns):  # interleaved, so both sides see the same machine state
        await graph_turn(i)
        await bare_turn()

    print(f"agent latency, offline model, {turns} turns each ({threads} threads), message {message!r}")
    print("stream() — graph + checkpoints + stored messages:")
    print(_row("message → first event (turn_started)", graph_first))
    print(_row("message → first text delta", graph_text))
    print(_row("message → message_done (saved)", graph_total))
    print("baseline — bare pydantic-ai agent (run_coach), no graph, no storage:")
    print(_row("message → first event (tool_call)", bare_first))
    print(_row("message → first text delta", bare_text))
    print(_row("message → end of run", bare_total))
    overhead = statistics.median(graph_text) - statistics.median(bare_text)
    print(f"graph overhead to first text delta (p50): {overhead * 1000:.1f} ms")
    await pool.close()
    await dispose_engine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--threads", type=int, default=20)
    args = parser.parse_args()
    run_on_fresh_database(
        lambda: _bench(args.turns, args.threads), reuse_home=True, RUNCOACH_LLM_PROVIDER="offline"
    )


if __name__ == "__main__":
    main()
