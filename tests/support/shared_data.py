"""Where the real test data lives (`../shared/data/`), and what to do when it is absent.

The project never copies these files: tests read them in place. Locally an absent data set is a skip
with the reason; under CI (`CI=true`) it is a failure, so CI never goes green by skipping.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _locate() -> Path:
    """RUNCOACH_SHARED_DATA if set, else `../shared/data` beside the checkout, else the workplace copy."""
    if env := os.environ.get("RUNCOACH_SHARED_DATA"):
        return Path(env).resolve()
    for candidate in (REPO_ROOT.parent / "shared" / "data", Path("/work/shared/data")):
        if candidate.exists():
            return candidate.resolve()
    return (REPO_ROOT.parent / "shared" / "data").resolve()


SHARED_DATA = _locate()


def require(relative: str) -> Path:
    """Return `SHARED_DATA / relative`, or skip (locally) / fail (CI) with a clear reason."""
    path = SHARED_DATA / relative
    if not path.exists():
        reason = (
            f"real test data not found at {path}; set RUNCOACH_SHARED_DATA to the shared data directory "
            "(the project never copies it into its own tree)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@dataclass(frozen=True)
class FitFileInfo:
    """One row of `fit/manifest.csv`: what the file is and what it must do."""

    path: Path
    row: dict[str, str]

    @property
    def intent(self) -> str:
        return self.row.get("intent", "")

    @property
    def type(self) -> str:
        return self.row.get("file_type", "")


def fit_manifest() -> list[FitFileInfo]:
    """Every FIT file described by the manifest (paths resolved against the fit folder)."""
    root = require("fit")
    with (root / "manifest.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    key = "path" if rows and "path" in rows[0] else next(iter(rows[0]))
    return [FitFileInfo(path=root / row[key], row=row) for row in rows]


def activity_files() -> list[str]:
    """Every GPX/TCX file under `activity-files/`, relative to it (sorted); one placeholder when the data is
    absent, so the parametrized test runs once and `require` skips or fails it with the reason."""
    root = SHARED_DATA / "activity-files"
    if not root.exists():
        return ["(activity-files missing)"]
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.suffix in (".gpx", ".tcx"))
