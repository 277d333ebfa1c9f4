"""The shared FIT files as pytest parameters, and each file decoded once per decoder.

Parameters are built from the manifest when the data is there; when it is not, one placeholder parameter
stands in and `present()` skips (locally) or fails (CI) through `tests.support.shared_data.require`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.support.shared_data import SHARED_DATA, FitFileInfo, fit_manifest, require
from tools.activities.fit import ParsedActivity, decode_fit

SLOW_RECORDS = 5_000  # fitparse needs about a second per 3 500 records: mark those tests slow

# Files whose expected outcome differs from a plain reading of the manifest, and why.
# DeveloperData.fit: an SDK sample of developer fields; its 3 records carry no time at all, so it cannot be
# placed in a training history — refused with MissingTimestamps instead of imported.
NO_TIME = {"DeveloperData.fit"}
# strava-android-app-…fit: the stream breaks at byte 7471; the manifest's 473 records include the one
# record that ran into the break (misaligned: it decodes to a time in 2085). We keep the 472 before it.
SALVAGED = {"strava-android-app-201.10-b1218918.fit": 472}
# Files the manifest calls corrupt that are merely truncated activity files: the activity decodes cleanly up
# to where the bytes end, so it is imported with a warning instead of refused. activity-unexpected-eof.fit
# lacks its last 3 bytes; activity-settings-nodata.fit is a whole, checksum-valid activity followed by a
# chained settings header whose data never came. (The other corrupt files have a bad checksum on complete
# data or a corrupt header, or — nick.fit — a message running past the size its header announces: refused.)
TRUNCATED = {"activity-unexpected-eof.fit", "activity-settings-nodata.fit"}


def file_type(info: FitFileInfo) -> str:
    return info.row["file_type"]  # (FitFileInfo.type reads a column named "type", which the manifest lacks)


def is_activity(info: FitFileInfo) -> bool:
    return "activity" in file_type(info).split(";")


def is_importable(info: FitFileInfo) -> bool:
    return (
        (info.intent in ("valid", "edge-case") or info.path.name in TRUNCATED)
        and is_activity(info)
        and info.path.name not in NO_TIME
    )


def is_other_type(info: FitFileInfo) -> bool:
    return info.intent == "valid" and not is_activity(info)


def is_corrupt(info: FitFileInfo) -> bool:
    return info.intent.startswith("corrupt") and info.path.name not in TRUNCATED


def params(select: Callable[[FitFileInfo], bool], *, slow_for: str | None = None) -> list[Any]:
    """One pytest parameter per selected manifest row (id: the file name)."""
    if not (SHARED_DATA / "fit" / "manifest.csv").exists():
        return [pytest.param(None, id="fit-data-missing")]
    out = []
    for info in fit_manifest():
        if not select(info):
            continue
        big = int(info.row.get("record_msgs") or 0) >= SLOW_RECORDS
        marks = [pytest.mark.slow] if slow_for == "fitparse" and big else []
        out.append(pytest.param(info, id=info.path.name, marks=marks))
    return out


def present(info: FitFileInfo | None) -> FitFileInfo:
    """The file, or a skip/fail (CI) when the shared data is absent."""
    if info is None:
        require("fit/manifest.csv")
        raise AssertionError("unreachable: require() skips or fails")
    require(str(info.path.relative_to(SHARED_DATA)))
    return info


def expected_records(info: FitFileInfo) -> int:
    return SALVAGED.get(info.path.name, int(info.row["record_msgs"]))


@cache
def _read(path: Path) -> bytes:
    return path.read_bytes()


@cache
def decoded(path: Path, decoder: str) -> ParsedActivity | Exception:
    """Decode once per (file, decoder); an error is returned, not raised, so tests can compare errors."""
    try:
        return decode_fit(_read(path), filename=path.name, decoder=decoder)  # type: ignore[arg-type]
    except Exception as exc:  # tests inspect it
        return exc


def decode_ok(path: Path, decoder: str) -> ParsedActivity:
    result = decoded(path, decoder)
    if isinstance(result, Exception):
        raise result
    return result


def by_name(name: str) -> Path:
    """The path of one shared file, by its file name (skips or fails when the data is absent)."""
    require("fit/manifest.csv")
    for info in fit_manifest():
        if info.path.name == name:
            return present(info).path
    raise AssertionError(f"{name} is not in the FIT manifest")
