"""FIT files → stored samples, end to end, against fitparse's parse-only time on the same files, in one run.

    python bench/fit_import.py [--runs 3] [--data DIR]

It starts its own embedded PostgreSQL under a temporary RUNCOACH_HOME (never your data directory) and
migrates. Files: the same set as `bench/fit_decode.py` (every activity file of the shared data that must
import and that fitparse can read). Each pass imports the whole set for a fresh athlete, one committed
transaction per file, exactly as the import job does (`tools.activities.importer.import_fit`: hash and
dedupe lookups, decode, activity + laps + samples by COPY, default gear, training load, original kept).

Printed, each the median of `--runs` passes:
- fitparse, parse only: `FitFile(...).parse()` — the baseline the issue names;
- import_fit end to end with our decoder, and with fitparse as the decoder (the `fit_decoder` setting);
- the sample COPY alone (`store_activity` of already-decoded activities, rolled back): rows per second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.fit_decode import _files, _fitparse, _median_seconds  # noqa: E402
from bench.harness import run_on_fresh_database, shared_fit_dir  # noqa: E402

Files = list[tuple[str, bytes, int]]


async def _import_all(files: Files, decoder: str) -> tuple[float, int, int]:
    """Import every file for a fresh athlete; (seconds, activities imported, samples stored)."""
    from core.database import session_scope
    from core.settings import get_settings
    from tools.account.users import create_user
    from tools.activities.importer import import_fit

    get_settings().fit_decoder = decoder  # type: ignore[assignment]
    async with session_scope() as session:
        user = await create_user(session, f"bench-{uuid.uuid4().hex[:10]}@example.com", None)
        user_id = user.id
    imported = samples = 0
    start = time.perf_counter()
    for name, data, _ in files:
        async with session_scope() as session:
            result = await import_fit(session, user_id, data, filename=name)
        if result.status == "imported":
            imported += 1
            samples += result.samples
    return time.perf_counter() - start, imported, samples


async def _copy_only(files: Files) -> tuple[float, int]:
    """`store_activity` (samples by COPY, and the rows around them) for already-decoded files, rolled back."""
    from core.database import session_scope
    from tools.account.users import create_user
    from tools.activities.fit import decode_fit
    from tools.activities.prepared import to_new_activity
    from tools.activities.store import store_activity

    decoded = {}  # one per start time, as the importer's dedupe keeps them
    for name, data, _ in files:
        parsed = decode_fit(data, filename=name)
        new = to_new_activity(parsed, source="bench", external_id=None, name=None)
        decoded.setdefault(parsed.start_time, new)
    async with session_scope() as session:
        user = await create_user(session, f"copy-{uuid.uuid4().hex[:10]}@example.com", None)
        start = time.perf_counter()
        for new in decoded.values():
            await store_activity(session, user.id, new)
        seconds = time.perf_counter() - start
        rows = await session.scalar(
            text("SELECT count(*) FROM activity_samples WHERE user_id = :u"), {"u": user.id}
        )
        await session.rollback()
    return seconds, int(rows or 0)


async def _bench(files: Files, runs: int) -> None:
    from core.database import dispose_engine

    records = sum(n for _, _, n in files)
    baseline = _median_seconds(_fitparse, files, runs)
    print(f"{'':<44}{'seconds':>9}{'records/s':>12}{'× fitparse':>12}")
    print(f"{'fitparse, parse only (baseline)':<44}{baseline:>9.2f}{records / baseline:>12,.0f}{1:>12.2f}")
    for label, decoder in (
        ("import_fit end to end, our decoder", "fast"),
        ("import_fit end to end, fitparse", "fitparse"),
    ):
        passes = [await _import_all(files, decoder) for _ in range(runs)]
        seconds = statistics.median(p[0] for p in passes)
        _, imported, samples = passes[0]
        print(
            f"{label:<44}{seconds:>9.2f}{records / seconds:>12,.0f}{baseline / seconds:>12.2f}"
            f"   ({imported} activities, {samples:,} samples stored per pass)"
        )
    copies = [await _copy_only(files) for _ in range(runs)]
    seconds = statistics.median(c[0] for c in copies)
    rows = copies[0][1]
    print(f"{'store_activity alone (COPY)':<44}{seconds:>9.2f}{rows / seconds:>12,.0f}   ({rows:,} rows)")
    await dispose_engine()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=shared_fit_dir())
    args = parser.parse_args()
    if not (args.data / "manifest.csv").exists():
        sys.exit(f"no FIT test data at {args.data} (its manifest.csv is missing); pass --data DIR")
    files = _files(args.data)
    print(f"{len(files)} files, {sum(n for _, _, n in files):,} records; median of {args.runs} passes")
    run_on_fresh_database(lambda: _bench(files, args.runs))


if __name__ == "__main__":
    main()
