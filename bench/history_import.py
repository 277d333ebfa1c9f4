"""A long history imported the ways it arrives: file by file (the upload job's path), all files by one
`runcoach import`, and as one Strava bulk-export zip (the archive job's path), each for a fresh athlete, in
one run.

    python bench/history_import.py                 # 150 activities over ~7 months (a quick run)
    python bench/history_import.py --full          # 1,200 activities over 5 years (the issue's size)
    python bench/history_import.py --full --only archive   # one path (files | archive), no decoder line

The history is synthesised at bench time from the real FIT files in ../shared/data/fit (every activity file
that must import), each copy moved in time (`bench/fit_shift.py`) to its own day of the history, written
into a temporary directory and removed at the end: nothing is committed. It starts its own embedded
PostgreSQL under a temporary RUNCOACH_HOME and migrates.

- per file: `import_file` for every file, one committed transaction each (as the upload job and a
  Garmin sync do, one file at a time): decode, dedupe, activity + laps + samples, gear, training load,
  what is stored with it;
- cli: `runcoach import` of all the files at once (`cli.admin._import`): the same commit per file, the
  next files decoded meanwhile in a worker process (`tools.activities.ahead`);
- archive: the zip (activities.csv + activities/<id>.fit.gz, built here) through `import_archive`, the job
  the web upload and `runcoach import <zip>` run (batches of 20 committed with the job's progress).

Printed: seconds, activities, samples and records/s of each path, and the decoder alone on the same files
(the floor both paths stand on).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import shutil
import sys
import tempfile
import time
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.fit_shift import shift_fit  # noqa: E402
from bench.harness import run_on_fresh_database, shared_activity_files, shared_fit_dir  # noqa: E402

END = datetime(2026, 11, 30, tzinfo=UTC)
DAYS_PER_ACTIVITY = 5 * 365 / 1200  # the 5 years of ~1,200 activities

History = list[tuple[str, bytes]]


def _real_files(data_dir: Path) -> list[tuple[str, bytes, datetime]]:
    """(name, bytes, start) of every shared activity file that must import, that our decoder reads whole and
    that can be shifted."""
    from tools.activities.fit import decode_fit

    out = []
    for row, data in shared_activity_files(data_dir):
        try:
            parsed = decode_fit(data, filename=row["path"])
            shift_fit(data, 0)
        except Exception:  # refused files (and ones only salvaged in part) are not history
            continue
        out.append((row["path"], data, parsed.start_time))
    return out


def synthesise(data_dir: Path, count: int, into: Path) -> History:
    """`count` FIT files, one every DAYS_PER_ACTIVITY days back from END, cycling through the real files;
    each written to `into` (a temporary directory)."""
    real = _real_files(data_dir)
    history: History = []
    for k in range(count):
        name, data, start = real[k % len(real)]
        day = END - timedelta(days=(count - k) * DAYS_PER_ACTIVITY)
        target = day.replace(hour=6 + k % 12, minute=0, second=0, microsecond=0)
        seconds = int((target - start).total_seconds()) // 32 * 32
        shifted = shift_fit(data, seconds)
        path = into / f"{k:05d}-{Path(name).stem}.fit"
        path.write_bytes(shifted)
        history.append((path.name, shifted))
    return history


def build_archive(history: History, path: Path) -> Path:
    """A Strava bulk export of `history`: activities.csv plus activities/<id>.fit.gz."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Activity ID", "Activity Date", "Activity Name", "Activity Type", "Filename"])
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for k, (name, data) in enumerate(history):
            member = f"activities/{900000 + k}.fit.gz"
            zf.writestr(member, gzip.compress(data, compresslevel=1, mtime=0))
            writer.writerow([900000 + k, "", Path(name).stem, "", member])
        zf.writestr("activities.csv", out.getvalue())
    return path


async def _fresh_athlete(label: str) -> int:
    from core.database import session_scope
    from tools.account.users import create_user

    async with session_scope() as session:
        user = await create_user(session, f"{label}-{uuid.uuid4().hex[:10]}@example.com", None)
        return user.id


async def _per_file(history: History) -> tuple[float, int, int]:
    from core.database import session_scope
    from tools.activities.importer import import_file

    user_id = await _fresh_athlete("files")
    imported = samples = 0
    started = time.perf_counter()
    for name, data in history:
        async with session_scope() as session:
            result = await import_file(session, user_id, data, filename=name)
        if result.status == "imported":
            imported += 1
            samples += result.samples
    return time.perf_counter() - started, imported, samples


async def _cli(history: History, folder: Path) -> tuple[float, int, int]:
    """`runcoach import` of every file at once (what `cmd_import` runs): each file its own commit, the
    next files decoded in the worker process meanwhile; its JSON lines counted."""
    import contextlib
    import json

    from cli.admin import _import
    from core.database import session_scope
    from tools.account.users import create_user

    async with session_scope() as session:
        email = f"cli-{uuid.uuid4().hex[:10]}@example.com"
        await create_user(session, email, None)
    files = [str(folder / name) for name, _ in history]
    printed = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(printed):
        await _import(argparse.Namespace(user=email, files=files, as_json=True))
    seconds = time.perf_counter() - started
    results = [json.loads(line) for line in printed.getvalue().splitlines() if line.startswith("{")]
    imported = [r for r in results if r["status"] == "imported"]
    return seconds, len(imported), sum(r["samples"] for r in imported)


async def _archive(zip_path: Path) -> tuple[float, int, int]:
    from core.database import session_scope
    from tools.activities.archive_import import import_archive, job_for_cli, local_source

    user_id = await _fresh_athlete("archive")
    started = time.perf_counter()
    source = local_source(str(zip_path), zip_path.name)
    async with session_scope() as session:
        job = await job_for_cli(session, user_id, source)
        job_id = job.id
    summary = await import_archive(job_id, user_id, source, None)
    seconds = time.perf_counter() - started
    imported = sum(1 for f in summary.files if f.status == "imported")
    samples = sum(f.samples for f in summary.files if f.status == "imported")
    return seconds, imported, samples


def _decode_only(history: History) -> tuple[float, int]:
    from tools.activities.formats import decode_activity

    started, samples = time.perf_counter(), 0
    for name, data in history:
        samples += decode_activity(data, filename=name).sample_count
    return time.perf_counter() - started, samples


async def _bench(history: History, zip_path: Path, only: str | None) -> None:
    folder = zip_path.parent  # the synthesised files are written beside the zip
    from core.database import dispose_engine

    print(f"{'':<38}{'seconds':>9}{'activities':>12}{'samples':>12}{'records/s':>12}")
    if only is None:
        decode, decoded = _decode_only(history)
        print(
            f"{'decoder alone (the floor)':<38}{decode:>9.1f}{len(history):>12}{decoded:>12,}"
            f"{decoded / decode:>12,.0f}"
        )
    for key, label, run in (
        ("files", "per file (import_file, a commit each)", lambda: _per_file(history)),
        ("cli", "runcoach import of all files (ahead)", lambda: _cli(history, folder)),
        ("archive", "Strava archive zip (import_archive)", lambda: _archive(zip_path)),
    ):
        if only not in (None, key):
            continue
        seconds, imported, samples = await run()
        print(f"{label:<38}{seconds:>9.1f}{imported:>12}{samples:>12,}{samples / seconds:>12,.0f}")
    await dispose_engine()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=150)
    parser.add_argument("--full", action="store_true", help="1,200 activities over 5 years")
    parser.add_argument("--data", type=Path, default=shared_fit_dir())
    parser.add_argument(
        "--only",
        choices=("files", "cli", "archive"),
        help="run one path only (and not the decoder alone)",
    )
    args = parser.parse_args()
    if not (args.data / "manifest.csv").exists():
        sys.exit(f"no FIT test data at {args.data} (its manifest.csv is missing); pass --data DIR")
    count = 1200 if args.full else args.activities
    workdir = Path(tempfile.mkdtemp(prefix="rcb-history-", dir="/tmp"))
    try:
        started = time.perf_counter()
        history = synthesise(args.data, count, workdir)
        zip_path = build_archive(history, workdir / "export.zip")
        span = (count * DAYS_PER_ACTIVITY) / 365
        print(
            f"{count} activities over {span:.1f} years from the shared FIT files, synthesised in "
            f"{time.perf_counter() - started:.1f} s ({zip_path.stat().st_size / 2**20:.0f} MB zip)"
        )
        run_on_fresh_database(lambda: _bench(history, zip_path, args.only))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
