"""`runcoach chat`: the terminal loop over `agent.stream`, on committed rows (it opens its own sessions)."""

from __future__ import annotations

import io

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

from agent.cli_chat import chat_repl
from agent.offline import offline_model
from core.models import User
from tests.agent.conftest import PUSHED
from tests.agent.test_approvals import push_model


async def test_chat_streams_an_offline_answer(committed_user: User, checkpointer: AsyncPostgresSaver) -> None:
    out = io.StringIO()
    code = await chat_repl(
        committed_user.email,
        stdin=io.StringIO("who am I?\n/quit\n"),
        stdout=out,
        model=offline_model(),
        checkpointer=checkpointer,
    )
    text = out.getvalue()
    assert code == 0, text
    assert "you> who am I?" in text and "  → whoami({})" in text and "  ← whoami:" in text
    assert "Offline coach" in text and "You are Chat" in text
    assert "(runcoach-offline," in text


async def test_chat_asks_before_a_side_effect(
    committed_user: User, checkpointer: AsyncPostgresSaver, push_tool: str
) -> None:
    out = io.StringIO()
    code = await chat_repl(
        committed_user.email,
        stdin=io.StringIO("push tomorrow's workout\ny\n"),
        stdout=out,
        model=push_model(),
        checkpointer=checkpointer,
    )
    text = out.getvalue()
    assert code == 0, text
    assert "Approve? [y/N] y" in text and '{"date": "2026-10-21"}' in text
    assert [(committed_user.id, "2026-10-21")] == PUSHED
    assert "Done: workout of 2026-10-21 sent to the watch." in text
