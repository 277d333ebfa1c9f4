"""The activity feed's first page (20 activities), the first time it is viewed, against the same page once
everything it shows is stored (the floor), in one run.

    python bench/feed_first_view.py [--activities 60] [--rounds 5]

An athlete with `--activities` real FIT files imported (the shared files moved in time, as
`bench/history_import.py` makes them; nothing is written to the repository). Each round opens a
transaction, reads the page and rolls back, so every round is a first view: whatever the feed computes on
the way is computed again (the coach's comment of each activity is stored at import since issue 18, so a
first view only reads it). The baseline is the same page read after a committed first view.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.harness import run_on_fresh_database, shared_fit_dir  # noqa: E402
from bench.history_import import History, synthesise  # noqa: E402


async def _page_seconds(user_id: int, *, commit: bool) -> float:
    from core.database import session_scope
    from core.models import User
    from tools.feed.feed import FeedQuery, feed_page

    async with session_scope() as session:
        viewer = await session.get_one(User, user_id)
        started = time.perf_counter()
        page = await feed_page(session, viewer, FeedQuery())
        seconds = time.perf_counter() - started
        assert page.items
        if not commit:
            await session.rollback()
    return seconds


async def _bench(history: History, rounds: int) -> None:
    from core.database import dispose_engine, session_scope
    from tools.account.users import create_user
    from tools.activities.importer import import_file

    async with session_scope() as session:
        user = await create_user(session, f"feed-{uuid.uuid4().hex[:10]}@example.com", None)
        user_id = user.id
    started = time.perf_counter()
    for name, data in history:
        async with session_scope() as session:
            await import_file(session, user_id, data, filename=name)
    print(f"{len(history)} activities imported in {time.perf_counter() - started:.1f} s")

    first = [await _page_seconds(user_id, commit=False) for _ in range(rounds)]
    await _page_seconds(user_id, commit=True)
    stored = [await _page_seconds(user_id, commit=False) for _ in range(rounds)]
    for label, times in (
        ("feed, first view of 20 activities", first),
        ("feed, the same page stored (baseline)", stored),
    ):
        ms = [t * 1000 for t in times]
        print(f"  {label:<42} p50 {statistics.median(ms):8.1f} ms   min {min(ms):8.1f} ms")
    await dispose_engine()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data", type=Path, default=shared_fit_dir())
    args = parser.parse_args()
    if not (args.data / "manifest.csv").exists():
        sys.exit(f"no FIT test data at {args.data} (its manifest.csv is missing); pass --data DIR")
    workdir = Path(tempfile.mkdtemp(prefix="rcb-feed-", dir="/tmp"))
    try:
        history = synthesise(args.data, args.activities, workdir)
        run_on_fresh_database(lambda: _bench(history, args.rounds))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
