"""Run the question bank through the coach — the same `agent.stream` every surface uses — and score it.

The evaluation gets a database of its own on the configured PostgreSQL server (created, migrated, dropped at
the end), so it never touches an athlete's data. The athlete is built once; each question then runs in its own
thread inside a transaction that is rolled back, so an action of one question (a new race, a plan) never
changes the ground truth of the next. When the coach asks for approval, the side effect is checked not to have
happened yet, then the eval approves (as the athlete would) and checks what was stored.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from pydantic_ai.models import Model
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from agent.checkpoint import open_checkpointer
from agent.events import (
    ApprovalDecision,
    ApprovalRequired,
    ErrorEvent,
    GroundingWarning,
    MessageDone,
    ToolCall,
    ToolResult,
)
from agent.stream import stream
from core import database, runtime
from core.migrate import upgrade
from core.models import User
from core.runtime import Services, ensure_services
from core.scratch_database import create_database, drop_database
from core.settings import Settings
from evals import bank
from evals.fixture import EVAL_NOW, build_athlete
from evals.score import Score, Transcript, score
from evals.spec import Category, Question

MAX_APPROVALS = 3


@dataclass
class Harness:
    """Everything a question needs: the eval's own database, the athlete, the model."""

    engine: AsyncEngine
    checkpointer: AsyncPostgresSaver
    redis: Redis
    settings: Settings
    model: Model
    user_id: int


@asynccontextmanager
async def harness(settings: Settings, model: Model, data_dir: Path) -> AsyncIterator[Harness]:
    """A scratch database with the athlete in it, for the duration of the block (then dropped)."""
    base = ensure_services(settings)
    previous_engine = database.get_engine()
    name = f"runcoach_eval_{uuid.uuid4().hex[:10]}"
    url = await create_database(base.database_url, name)
    try:
        await asyncio.to_thread(upgrade, url)
        engine = database.create_engine(url, pool_size=4)
        # tools that open their own unit of work (a job row, a sync) must reach the scratch database too
        runtime.use_services(Services(url, base.redis_url, embedded_postgres=False, embedded_redis=False))
        database.use_engine(engine)
        saver, pool = await open_checkpointer(url, max_size=2)
        redis = Redis.from_url(base.redis_url)
        try:
            async with database.session_scope() as session:
                user = await build_athlete(session, data_dir)
                user_id = user.id
            yield Harness(engine, saver, redis, settings, model, user_id)
        finally:
            await redis.aclose()
            await pool.close()
            database.use_engine(previous_engine)
            await engine.dispose()
    finally:
        runtime.use_services(base)
        await drop_database(base.database_url, name)


async def _turn(
    h: Harness, session: AsyncSession, user: User, thread: str, message: Any, t: Transcript
) -> str | None:
    """One turn's events into the transcript; the approval id when the turn waits for one."""
    async for event in stream(
        user,
        thread,
        message,
        session=session,
        redis=h.redis,
        model=h.model,
        checkpointer=h.checkpointer,
        settings=h.settings,
        now=EVAL_NOW,
    ):
        if isinstance(event, ToolCall):
            t.calls.append((event.name, dict(event.arguments)))
        elif isinstance(event, ToolResult) and event.data is not None:
            t.evidence.append(event.data)
        elif isinstance(event, GroundingWarning):
            t.ungrounded += [f for f in event.figures if f not in t.ungrounded]
        elif isinstance(event, MessageDone):
            t.answer = f"{t.answer}\n\n{event.text}".strip()
            t.model = event.model
        elif isinstance(event, ErrorEvent):
            t.errors.append(f"{event.code}: {event.message[:200]}")
        elif isinstance(event, ApprovalRequired):
            t.calls.append((event.tool, dict(event.arguments)))
            t.approvals.append(event.tool)
            return event.approval_id
    return None


async def ask(h: Harness, question: Question) -> Transcript:
    """Run one question (and its approvals, and its follow-up) in a rolled-back transaction."""
    t = Transcript()
    async with h.engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint")
        try:
            user = await session.get(User, h.user_id)
            assert user is not None
            thread = str(uuid.uuid4())
            messages = [question.text] + ([question.follow_up] if question.follow_up else [])
            for text in messages:
                message: Any = text
                for _ in range(MAX_APPROVALS + 1):
                    approval = await _turn(h, session, user, thread, message, t)
                    if approval is None:
                        break
                    if question.effect is not None and await question.effect(session, user.id) is None:
                        t.effect_before_approval = True
                    message = ApprovalDecision(approval_id=approval, approved=True)
            if question.effect is not None:
                t.effect_error = await question.effect(session, user.id)
        finally:
            await session.close()
            await outer.rollback()
    return t


async def run(
    h: Harness, *, categories: Sequence[Category] | None = None, limit: int | None = None
) -> list[tuple[Score, Transcript]]:
    async with AsyncSession(h.engine) as session:
        questions = await bank.build(session, h.user_id)
    if categories:
        questions = [q for q in questions if q.category in categories]
    if limit is not None:
        questions = questions[:limit]
    results = []
    for question in questions:
        transcript = await ask(h, question)
        results.append((score(question, transcript), transcript))
    return results
