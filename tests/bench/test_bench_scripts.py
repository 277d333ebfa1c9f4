"""`make bench` runs every bench: each runnable script in bench/ starts (its arguments parse, its imports
resolve) and is listed in the README's bench table. No bench is run here: figures are not a test's job."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNNABLE = sorted(
    path.relative_to(REPO).as_posix()
    for path in (REPO / "bench").glob("*.py")
    if re.search(r'^if __name__ == "__main__"', path.read_text(), re.M)
)


def test_make_bench_runs_these_scripts() -> None:
    listed = subprocess.run(
        [
            "make",
            "-s",
            "--no-print-directory",
            "-f",
            "Makefile",
            "--eval",
            "print-benches: ; @echo $(BENCHES)",
            "print-benches",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    assert sorted(listed.stdout.split()) == RUNNABLE


@pytest.mark.parametrize("script", RUNNABLE)
def test_each_bench_starts_and_is_in_the_readme(script: str) -> None:
    started = subprocess.run(
        [sys.executable, script, "--help"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert started.returncode == 0, started.stderr[-2000:]
    assert started.stdout.startswith("usage:"), f"{script} does not answer --help (it ran instead)"
    assert f"`{script}`" in (REPO / "README.md").read_text(), f"{script} is missing from the README's table"
