"""The load bench's "nothing lost" checks against real rows: they pass when PostgreSQL holds exactly what the
clients were told, and they catch a reply not saved, a turn saved twice, a garbled reply, an import that
stored nothing or something unaccounted for, and a Garmin activity missing or foreign."""

from __future__ import annotations

from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from agent.threads import add_message, open_thread
from bench.chat_turns import Turn
from bench.load_jobs import UploadedFile
from bench.nothing_lost import check_chat, check_imports, check_sync
from core.models import User
from tests.factories import create_activity, create_user


async def _pg(db: AsyncSession) -> asyncpg.Connection:
    """The session's own asyncpg connection: the checks see the test's uncommitted rows."""
    raw = await (await db.connection()).get_raw_connection()
    return raw.driver_connection


async def _thread(db: AsyncSession, user: User, replies: list[str]) -> tuple[str, list[int]]:
    thread, _ = await open_thread(db, user, None, first_message=None)
    ids = []
    for reply in replies:
        await add_message(db, thread, role="user", content="who am I?")
        ids.append((await add_message(db, thread, role="assistant", content=reply)).id)
    await db.flush()
    return str(thread.id), ids


def _done(thread: str, message_id: int, text: str) -> Turn:
    return Turn(thread, accepted=True, final="message_done", message_id=message_id, text=text)


async def test_chat_passes_when_each_turn_is_saved_once_with_the_streamed_text(db: AsyncSession) -> None:
    user = await create_user(db)
    thread, ids = await _thread(db, user, ["You are A.", "You are B."])
    refused = Turn(thread, accepted=False, failure="HTTP 429: …")  # refused: nothing to save
    turns = [_done(thread, ids[0], "You are A."), _done(thread, ids[1], "You are B."), refused]
    check = await check_chat(await _pg(db), turns)
    assert check.ok, check.detail


async def test_chat_catches_a_reply_not_saved(db: AsyncSession) -> None:
    user = await create_user(db)
    thread, ids = await _thread(db, user, ["You are A."])
    turns = [_done(thread, ids[0], "You are A."), _done(thread, ids[0] + 10_000, "You are B.")]
    check = await check_chat(await _pg(db), turns)
    assert not check.ok
    assert f"message {ids[0] + 10_000}" in check.detail and "1 user / 1 coach" in check.detail


async def test_chat_catches_a_turn_saved_twice(db: AsyncSession) -> None:
    user = await create_user(db)
    thread, ids = await _thread(db, user, ["You are A."])
    conversation, _ = await open_thread(db, user, thread, first_message=None)
    await add_message(db, conversation, role="assistant", content="You are A.")
    await db.flush()
    check = await check_chat(await _pg(db), [_done(thread, ids[0], "You are A.")])
    assert not check.ok and "saved 1 user / 2 coach" in check.detail


async def test_chat_catches_a_reply_saved_with_other_text(db: AsyncSession) -> None:
    user = await create_user(db)
    thread, ids = await _thread(db, user, ["You are A."])
    check = await check_chat(await _pg(db), [_done(thread, ids[0], "You are A. And B.")])
    assert not check.ok and "differs from the streamed text" in check.detail


def _upload(name: str, sha: str, result: dict[str, Any] | None) -> UploadedFile:
    return UploadedFile(name, sha, accepted=True, result=result)


async def test_imports_pass_when_every_result_is_stored_once(db: AsyncSession) -> None:
    user = await create_user(db)
    first = await create_activity(db, user, file_sha256="a" * 64)
    files = [
        _upload("a.fit", "a" * 64, {"status": "imported", "activity_id": first.id}),
        _upload("a-again.fit", "b" * 64, {"status": "already_imported", "activity_id": first.id}),
        _upload("bad.fit", "c" * 64, {"status": "rejected", "reason": "not a FIT file"}),
        UploadedFile("refused.fit", "d" * 64, accepted=False),  # its upload was refused: nothing expected
    ]
    check = await check_imports(await _pg(db), user.id, files)
    assert check.ok, check.detail
    assert "3 files uploaded: 1 imported, 1 already imported, 1 rejected; 1 activities stored" in check.detail


async def test_imports_catch_a_missing_result_a_lost_activity_and_an_unaccounted_one(
    db: AsyncSession,
) -> None:
    user = await create_user(db)
    await create_activity(db, user, file_sha256="e" * 64)  # stored, but no result names it
    files = [
        _upload("lost.fit", "a" * 64, {"status": "imported", "activity_id": 987_654_321}),
        _upload("no-result.fit", "b" * 64, None),
    ]
    check = await check_imports(await _pg(db), user.id, files)
    assert not check.ok
    assert "lost.fit: imported, but stored 0 times by hash" in check.detail
    assert "no-result.fit: uploaded, but the import job gave no result" in check.detail
    assert "1 stored activities no upload result accounts for" in check.detail


async def test_sync_passes_when_each_garmin_activity_is_stored_once(db: AsyncSession) -> None:
    user = await create_user(db)
    for external_id in ("11", "12"):
        await create_activity(db, user, source="garmin", external_id=external_id)
    check = await check_sync(await _pg(db), user.id, {"11", "12"}, {"state": "succeeded"})
    assert check.ok, check.detail


async def test_sync_catches_a_missing_a_foreign_activity_and_a_failed_job(db: AsyncSession) -> None:
    user = await create_user(db)
    for external_id in ("11", "99"):
        await create_activity(db, user, source="garmin", external_id=external_id)
    check = await check_sync(await _pg(db), user.id, {"11", "12"}, {"state": "failed", "error": "boom"})
    assert not check.ok
    assert "did not succeed" in check.detail and "not stored: ['12']" in check.detail
    assert "Garmin does not have: ['99']" in check.detail
