"""The combined load bench at a tiny size, end to end: it runs against its own real stack (embedded
PostgreSQL + Redis, `runcoach api`, `runcoach worker`, the Garmin fake), prints its figures and finds
nothing lost. No timing is asserted: the figures only have to be there."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.shared_data import require

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
MS = r"\d+\.\d ms"
#: a bound against a hung bench, not a timing figure
RUN_BOUND_S = 240


def test_a_tiny_combined_load_prints_its_figures_and_loses_nothing() -> None:
    require("fit")
    require("garmin")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "RUNCOACH_HOME")}
    done = subprocess.run(
        [
            sys.executable,
            "bench/combined_load.py",
            *("--streams", "3", "--duration", "5", "--baseline-turns", "2"),
            *("--fit-files", "3", "--sync-activities", "1", "--health-days", "1", "--drop-every", "2"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_BOUND_S,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, f"{out}\n{done.stderr[-4000:]}"

    assert "nothing lost: yes" in out
    checks = dict(re.findall(r"^  (chat|FIT import|Garmin sync): (ok|LOST) — ", out, re.MULTILINE))
    assert checks == {"chat": "ok", "FIT import": "ok", "Garmin sync": "ok"}, out
    assert re.search(r"FIT import: ok — 3 files uploaded: 3 imported", out), out
    assert "Garmin sync: ok — 5 of 5 Garmin activities stored, each once" in out  # 4 recorded + 1

    baseline, _, load = out.partition("\nload: 3 concurrent streams")
    assert "single-stream baseline" in baseline and load, out
    for part in (baseline, load):
        assert re.search(rf"time to first event  p50 +{MS}   p99 +{MS}", part), out
        assert re.search(rf"time to final event  p50 +{MS}   p99 +{MS}", part), out
        assert re.search(r"turns/s +\d+\.\d\d", part), out
        assert re.search(r"CPU per completed turn \(.*\): api \d+ ms, PostgreSQL \d+ ms", part), out
    # every second turn dropped its stream on purpose and was resumed with Last-Event-ID
    assert re.search(r"resumed \(Last-Event-ID\) +[1-9]\d* turns", load), out
    assert re.search(r"imports done 3 imported", out), out
    assert re.search(r"Garmin sync: succeeded in \d+\.\d s \(activities_seen 5, imported 5", out), out
    for process in ("api-1", "worker", "postgres", "redis", "client"):
        numbers = r" +(\d+)" * 6 + r" +(\d+\.\d)" * 3  # pid, procs, 4 memory figures; CPU alone, load; wait
        row = re.search(rf"^  {process}{numbers}$", out, re.MULTILINE)
        assert row is not None, out
        assert int(row[1]) > 0 and int(row[4]) > 0, row[0]  # a pid, and a peak RSS
    assert re.search(r"machine during the load: \d+ CPU s busy of \d+ .*; these processes \d+", out), out
    postgres = re.search(r"^  postgres +\d+ +(\d+)", out, re.MULTILINE)
    assert postgres is not None and int(postgres[1]) > 1, "PostgreSQL's backends are counted with it"
