"""A Strava export zip sent to the bot as a document, over the Bot API wire (the Telegram fake): downloaded
with getFile, staged and imported by the same archive job as a web upload (run by a real worker), the
counts in the reply; the same zip again adds nothing; a zip with `../` members is refused with the reason
and queues nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.models import Activity, Job, User
from tests.bots.conftest import StartBot, until
from tests.fakes.telegram import FakeTelegram
from tests.support.worker import running_worker
from tests.tools.activities.strava_export import LOOSE, ROWS, build_export
from tools.activities.archive_import import JOB_KIND
from tools.notifications.telegram_link import create_link_code

CHAT = 7_700_019


@pytest.fixture
async def worker(engine: AsyncEngine, redis: Redis) -> AsyncIterator[None]:
    async with running_worker():
        yield


@pytest.fixture
async def cleanup_samples(engine: AsyncEngine, athlete: User) -> AsyncIterator[None]:
    yield
    async with engine.begin() as conn:  # samples have no cascade from users
        await conn.execute(text("DELETE FROM activity_samples WHERE user_id = :u"), {"u": athlete.id})


def _replies(telegram: FakeTelegram, words: str) -> list[str]:
    return [m["text"] for m in telegram.bot_messages(CHAT) if words in m["text"]]


async def test_a_strava_export_sent_as_a_document_is_imported_by_the_archive_job(
    telegram: FakeTelegram,
    start_bot: StartBot,
    athlete: User,
    redis: Redis,
    engine: AsyncEngine,
    worker: None,
    cleanup_samples: None,
    tmp_path: Path,
) -> None:
    export = build_export(tmp_path / "export_12345.zip", ROWS, loose=LOOSE)
    await start_bot()
    code = (await create_link_code(redis, athlete.id)).code
    telegram.user_sends(CHAT, f"/start {code}")
    await until(lambda: _replies(telegram, "Linked to"), what="linking")

    telegram.user_sends_document(CHAT, export.name, export.read_bytes(), mime_type="application/zip")
    first = await until(lambda: _replies(telegram, "export_12345.zip: "), what="the import summary")
    assert first[-1] == (
        "export_12345.zip: 7 activities imported, 1 already here, 2 refused "
        "(the web app's job page lists why)."
    )
    assert telegram.calls_of("getFile")
    async with AsyncSession(engine) as session:
        jobs = (await session.execute(select(Job).where(Job.user_id == athlete.id))).scalars().all()
        sources = (await session.execute(select(Activity.source).where(Activity.user_id == athlete.id))).all()
    assert [(j.kind, j.state, j.args["via"]) for j in jobs] == [(JOB_KIND, "succeeded", "telegram")]
    assert sources == [("strava_export",)] * 7

    telegram.user_sends_document(CHAT, export.name, export.read_bytes(), mime_type="application/zip")
    await until(lambda: len(_replies(telegram, "export_12345.zip: ")) == 2, what="the second summary")
    assert _replies(telegram, "export_12345.zip: ")[-1].startswith(
        "export_12345.zip: 0 activities imported, 8 already here, 2 refused"
    )

    hostile = build_export(tmp_path / "export_evil.zip", ROWS[:2], extra={"../../etc/cron.d/evil": b"x"})
    telegram.user_sends_document(CHAT, hostile.name, hostile.read_bytes(), mime_type="application/zip")
    refused = await until(lambda: _replies(telegram, "could not import export_evil.zip"), what="the refusal")
    assert (
        "outside the archive (../../etc/cron.d/evil)" in refused[-1] and "nothing was imported" in refused[-1]
    )
    async with AsyncSession(engine) as session:
        job_count = await session.scalar(
            select(func.count()).select_from(Job).where(Job.user_id == athlete.id)
        )
        activity_count = await session.scalar(
            select(func.count()).select_from(Activity).where(Activity.user_id == athlete.id)
        )
    assert (job_count, activity_count) == (2, 7)
