"""After a load run, what PostgreSQL holds against what the clients were told: nothing lost, nothing twice.

- chat: each thread holds exactly one athlete message and one coach message per turn the server accepted;
  every `message_done` a client received names a coach message of that thread whose text is exactly the
  text the client streamed (across reconnects);
- FIT import: every uploaded file has a result; every `imported` file is one activity with its SHA-256,
  every `already_imported` one points at a stored activity, no file hash is stored twice, and the athlete
  has no activity the results do not account for;
- Garmin sync: the job succeeded and each Garmin activity is stored once under its Garmin id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # `make bench` runs every file of bench/ as a script, where `bench` is no package
    import asyncpg

    from bench.chat_turns import Turn
    from bench.load_jobs import UploadedFile


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


async def check_chat(conn: asyncpg.Connection, turns: Sequence[Turn]) -> Check:
    threads = sorted({t.thread_id for t in turns})
    rows = await conn.fetch(
        "SELECT conversation_id::text AS thread, role, count(*) AS n FROM messages "
        "WHERE conversation_id = ANY($1::uuid[]) GROUP BY 1, 2",
        threads,
    )
    saved = {(r["thread"], r["role"]): int(r["n"]) for r in rows}
    problems: list[str] = []
    for thread in threads:
        mine = [t for t in turns if t.thread_id == thread]
        accepted = sum(t.accepted is True for t in mine)
        unknown = sum(t.accepted is None for t in mine)
        users, coach = saved.get((thread, "user"), 0), saved.get((thread, "assistant"), 0)
        if not accepted <= users <= accepted + unknown or coach != users:
            problems.append(f"thread {thread}: {accepted} turns accepted, saved {users} user / {coach} coach")
    done = [t for t in turns if t.done and t.message_id is not None]
    stored = {
        r["id"]: r
        for r in await conn.fetch(
            "SELECT id, conversation_id::text AS thread, role, content FROM messages WHERE id = ANY($1)",
            [t.message_id for t in done],
        )
    }
    for turn in done:
        row = stored.get(turn.message_id)
        if row is None or row["thread"] != turn.thread_id or row["role"] != "assistant":
            problems.append(f"message {turn.message_id} (thread {turn.thread_id}) is not saved as the reply")
        elif row["content"] != turn.text:
            problems.append(f"message {turn.message_id}: saved text differs from the streamed text")
    accepted_all = sum(t.accepted is True for t in turns)
    detail = (
        f"{len(done)} completed turns saved once with the streamed text; {accepted_all} accepted turns in "
        f"{len(threads)} threads each saved once (athlete + coach message)"
    )
    return Check("chat", not problems, detail if not problems else "; ".join(problems[:5]))


async def check_imports(conn: asyncpg.Connection, user_id: int, files: Sequence[UploadedFile]) -> Check:
    rows = await conn.fetch(
        "SELECT id, file_sha256 FROM activities WHERE user_id = $1 AND parent_id IS NULL", user_id
    )
    ids = {r["id"] for r in rows}
    by_hash = Counter(r["file_sha256"] for r in rows if r["file_sha256"])
    problems = [f"hash {h[:12]} stored {n} times" for h, n in by_hash.items() if n > 1]
    accounted: set[int] = set()
    statuses: Counter[str] = Counter()
    for f in files:
        if not f.accepted:
            continue
        if f.result is None:
            problems.append(f"{f.name}: uploaded, but the import job gave no result for it")
            continue
        status, activity_id = f.result["status"], f.result.get("activity_id")
        statuses[status] += 1
        if status == "imported" and by_hash.get(f.sha256) != 1:
            problems.append(f"{f.name}: imported, but stored {by_hash.get(f.sha256, 0)} times by hash")
        if status in ("imported", "already_imported"):
            if isinstance(activity_id, int) and activity_id in ids:
                accounted.add(activity_id)
            else:
                problems.append(f"{f.name}: {status} as activity {activity_id}, which is not stored")
    if extra := ids - accounted:
        problems.append(f"{len(extra)} stored activities no upload result accounts for")
    detail = (
        f"{sum(f.accepted for f in files)} files uploaded: {statuses['imported']} imported, "
        f"{statuses['already_imported']} already imported, {statuses['rejected']} rejected; "
        f"{len(ids)} activities stored, none twice"
    )
    return Check("FIT import", not problems, detail if not problems else "; ".join(problems[:5]))


async def check_sync(
    conn: asyncpg.Connection, user_id: int, expected: set[str], job: dict[str, Any] | None
) -> Check:
    rows = await conn.fetch(
        "SELECT external_id, count(*) AS n FROM activities "
        "WHERE user_id = $1 AND source = 'garmin' AND parent_id IS NULL GROUP BY 1",
        user_id,
    )
    stored = {r["external_id"]: int(r["n"]) for r in rows}
    problems = []
    if job is None or job.get("state") != "succeeded":
        problems.append(f"the sync job did not succeed: {job and (job.get('state'), job.get('error'))}")
    if twice := sorted(k for k, n in stored.items() if n > 1):
        problems.append(f"stored more than once: {twice}")
    if missing := sorted(expected - set(stored)):
        problems.append(f"Garmin activities not stored: {missing}")
    if unknown := sorted(set(stored) - expected):
        problems.append(f"stored activities Garmin does not have: {unknown}")
    detail = f"{len(stored)} of {len(expected)} Garmin activities stored, each once"
    return Check("Garmin sync", not problems, detail if not problems else "; ".join(problems))
