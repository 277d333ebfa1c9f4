"""The FIT import and the Garmin sync of the load bench, driven as a client drives them through the API:
upload FIT files to `POST /activities/import` and follow the import jobs; start a Garmin sync with
`POST /integrations/garmin/sync` against the Garmin fake and follow its job; print what they did.

The files: the activity files of the shared data's FIT manifest, in its order (valid ones, edge cases and
corrupt ones: a corrupt file must be rejected and lose nothing). The Garmin fake serves its recorded
activities, each with a real FIT file, plus a few more made from other files of the manifest.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

SYNC_DAYS = 400  # the recorded Garmin activities are from January 2026
SUP, SUP_FIT = 21419635589, "fitdecode/tests/files/2013-02-06-12-11-14.fit"  # the recorded SUP has no file
#: bounds against hangs (the run fails when a job is not done by then), not timing figures
JOB_WAIT_S = 600.0


@dataclass
class UploadedFile:
    name: str
    sha256: str
    accepted: bool = False  # the upload request was answered 202 (the file was staged)
    result: dict[str, Any] | None = None  # the import job's ImportResult for it


@dataclass
class JobOutcome:
    job: dict[str, Any] | None = None
    wall_s: float = 0.0
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportOutcome:
    files: list[UploadedFile]
    jobs: list[JobOutcome] = field(default_factory=list)
    wall_s: float = 0.0


def fit_files(data: Path, limit: int | None) -> list[tuple[str, bytes]]:
    """The manifest's activity files in its order (valid, edge cases and corrupt ones: a corrupt file
    must be rejected and lose nothing), the first `limit` of them."""
    with (data / "manifest.csv").open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if "activity" in r["file_type"].split(";")]
    return [(r["path"], (data / r["path"]).read_bytes()) for r in rows[:limit]]


def garmin_extras(data: Path, count: int, taken: set[str]) -> list[str]:
    """`count` more single-sport running/cycling files (by size, small first) for Garmin to serve."""
    with (data / "manifest.csv").open(newline="") as fh:
        rows = [
            r
            for r in csv.DictReader(fh)
            if r["intent"] == "valid"
            and r["file_type"] == "activity"
            and r["sport"] in ("running", "cycling")
            and int(r["record_msgs"]) >= 100
            and r["path"] not in taken
        ]
    return [r["path"] for r in sorted(rows, key=lambda r: int(r["size_bytes"]))[:count]]


def fake_garmin(count: int) -> Any:
    """The Garmin fake with its recorded activities (each with a real FIT file) plus `count` more."""
    from tests.fakes import FakeGarmin
    from tests.fakes.garmin_server import DEFAULT_FIT_MAP

    garmin = FakeGarmin()
    garmin.map_fit(SUP, SUP_FIT)
    taken = {SUP_FIT, *DEFAULT_FIT_MAP.values()}
    for day, path in enumerate(garmin_extras(garmin.fit_dir, count, taken), start=1):
        garmin.add_activity(path, name=f"Bench {Path(path).stem}", start_local=datetime(2026, 2, day, 7))
    return garmin


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def wait_job(client: httpx.AsyncClient, base: str, token: str, job_id: str) -> JobOutcome:
    """Poll the job until it succeeded or failed (or the bound passed: the last state seen)."""
    started = time.perf_counter()
    outcome = JobOutcome()
    while time.perf_counter() - started < JOB_WAIT_S:
        try:
            response = await client.get(f"{base}/api/v1/jobs/{job_id}", headers=auth(token))
            if response.status_code == 200:
                outcome.job = response.json()
                if outcome.job["state"] in ("succeeded", "failed"):
                    break
            else:
                outcome.errors.append(f"job status HTTP {response.status_code}")
        except httpx.HTTPError as exc:
            outcome.errors.append(f"job status {type(exc).__name__}")
        await asyncio.sleep(0.5)
    outcome.wall_s = time.perf_counter() - started
    return outcome


async def run_import(
    client: httpx.AsyncClient, base: str, token: str, files: list[tuple[str, bytes]], batch: int
) -> ImportOutcome:
    started = time.perf_counter()
    uploaded = [UploadedFile(name, hashlib.sha256(data).hexdigest()) for name, data in files]
    outcome = ImportOutcome(uploaded)
    queued: list[tuple[str, list[UploadedFile]]] = []
    for at in range(0, len(files), batch):
        parts = [
            ("files", (name.replace("/", "_"), data, "application/octet-stream"))
            for name, data in files[at : at + batch]
        ]
        try:
            response = await client.post(f"{base}/api/v1/activities/import", files=parts, headers=auth(token))
        except httpx.HTTPError as exc:
            outcome.jobs.append(JobOutcome(errors=[f"upload {type(exc).__name__}"]))
            continue
        if response.status_code != 202:
            outcome.jobs.append(JobOutcome(errors=[f"upload HTTP {response.status_code}"]))
            continue
        chunk = uploaded[at : at + batch]
        for f in chunk:
            f.accepted = True
        queued.append((response.json()["job_id"], chunk))
    for job_id, chunk in queued:
        job = await wait_job(client, base, token, job_id)
        outcome.jobs.append(job)
        results = (job.job or {}).get("files") or []
        for f, result in zip(chunk, results, strict=False):
            f.result = result
    outcome.wall_s = time.perf_counter() - started
    return outcome


async def run_sync(client: httpx.AsyncClient, base: str, token: str) -> JobOutcome:
    started = time.perf_counter()
    try:
        response = await client.post(
            f"{base}/api/v1/integrations/garmin/sync", json={"days": SYNC_DAYS}, headers=auth(token)
        )
    except httpx.HTTPError as exc:
        return JobOutcome(errors=[f"sync request {type(exc).__name__}"])
    if response.status_code != 202:
        return JobOutcome(errors=[f"sync request HTTP {response.status_code}: {response.text[:120]}"])
    outcome = await wait_job(client, base, token, response.json()["job_id"])
    outcome.wall_s = time.perf_counter() - started
    return outcome


def print_import(outcome: ImportOutcome) -> None:
    done = [j for j in outcome.jobs if j.job and j.job["state"] in ("succeeded", "failed")]
    statuses = Counter(f.result["status"] for f in outcome.files if f.result)
    print(
        f"FIT import: {len(outcome.files)} files in {len(outcome.jobs)} uploads, jobs done {len(done)}/"
        f"{len(outcome.jobs)}, {outcome.wall_s:.1f} s from first upload to last job"
    )
    print(
        f"  imports done {statuses['imported']} imported, {statuses['already_imported']} already imported, "
        f"{statuses['rejected']} rejected, {sum(f.result is None for f in outcome.files)} without a result"
    )
    for error in Counter(e for j in outcome.jobs for e in j.errors).most_common():
        print(f"  error x{error[1]}: {error[0]}")
    for f in outcome.files:
        if f.result and f.result["status"] == "rejected":
            print(f"  rejected: {str(f.result.get('reason'))[:104]}")


def print_sync(outcome: JobOutcome) -> None:
    job = outcome.job or {}
    result = job.get("result") or {}
    keys = ("activities_seen", "imported", "skipped", "failed", "health_days")
    figures = ", ".join(f"{k} {result[k]}" for k in keys if k in result)
    print(f"Garmin sync: {job.get('state', 'not started')} in {outcome.wall_s:.1f} s ({figures})")
    if job.get("error"):
        print(f"  error: {job['error']}")
    for error in outcome.errors:
        print(f"  error: {error}")
