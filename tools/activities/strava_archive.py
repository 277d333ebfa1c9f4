"""A Strava bulk export (`export_*.zip`) read safely: which activities it holds, and their files' bytes.

The archive comes from the athlete, so it is treated as hostile until checked. Opening it reads only the
zip's directory and refuses the whole archive, with the reason, when:

- any member's name could escape a folder (`../`, an absolute path, a drive letter, a NUL byte);
- a member this import reads (`activities.csv` and the activity files) unpacks to more than
  `max_member_bytes`, or unpacks `max_ratio` times larger than it is packed (a zip bomb; real FIT, GPX
  and TCX files pack 2-20×), or those members together unpack to more than `max_total_bytes`.

Members are never extracted to disk: `read` streams one member into memory with a byte cap (the
directory's sizes can lie), so a forged size is a refusal too. Other members (`media/`, `profile.csv`…)
are never opened, only name-checked. `activities.csv` (columns: Activity ID, Activity Date, Activity
Name, Activity Type, Activity Description, Elapsed Time, Distance, …, Activity Gear, Filename, and a
second Elapsed Time / Distance in seconds and metres in current exports) lists the activities; a row
without a file is a manual activity. Activity files in `activities/` that no row names are imported too.
Pure: no database.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import IO

from core.errors import InvalidInput
from core.settings import Settings

CSV_NAME = "activities.csv"
ACTIVITY_SUFFIXES = (".fit", ".gpx", ".tcx", ".fit.gz", ".gpx.gz", ".tcx.gz")
#: below this unpacked size the ratio is not checked (a tiny member can pack very well and harm nobody)
RATIO_FLOOR_BYTES = 1 << 20
CHUNK = 1 << 20
DATE_FORMATS = ("%b %d, %Y, %I:%M:%S %p", "%b %d, %Y, %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y, %H:%M:%S")


class ArchiveRefused(InvalidInput):
    code = "archive_refused"


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    max_member_bytes: int
    max_total_bytes: int
    max_ratio: float = 100.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ArchiveLimits:
        # an activity file may unpack to what `import_file` accepts from a gzipped upload
        return cls(
            max_member_bytes=settings.upload_max_file_bytes * 8,
            max_total_bytes=settings.archive_max_unpacked_bytes,
        )


@dataclass(frozen=True, slots=True)
class ArchiveItem:
    """One thing to import: an activity file (`member`), or a manual activity (a row without a file)."""

    key: str  # the member's name, or `activities.csv: <Activity ID> (no file)`
    member: str | None
    strava_id: str | None = None
    name: str | None = None
    activity_type: str | None = None
    description: str | None = None
    gear: str | None = None
    start_time: datetime | None = None
    elapsed_s: float | None = None
    moving_s: float | None = None
    distance_m: float | None = None
    max_hr: float | None = None
    calories: float | None = None
    ascent_m: float | None = None


def _unsafe(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (
        "\x00" in name
        or name.startswith(("/", "\\"))
        or (len(name) > 1 and name[1] == ":")
        or any(part == ".." for part in parts)
    )


def _number(text: str | None) -> float | None:
    if text is None or not text.strip():
        return None
    raw = text.strip()
    for candidate in (raw, raw.replace(",", ".")):
        try:
            return float(candidate)
        except ValueError:
            continue
    return None


def _date(text: str | None) -> datetime | None:
    raw = (text or "").strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


class StravaArchive:
    """An opened, checked Strava export. `items` lists what to import, in a stable order."""

    def __init__(self, fileobj: IO[bytes], *, name: str, limits: ArchiveLimits) -> None:
        self.name = name
        self.limits = limits
        try:
            self._zip = zipfile.ZipFile(fileobj)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise ArchiveRefused(
                f"{name} is not a readable zip file ({exc}). Send the export_*.zip Strava e-mailed you, "
                "as downloaded.",
                details={"filename": name},
            ) from exc
        infos = self._zip.infolist()
        bad = [i.filename for i in infos if _unsafe(i.filename)]
        if bad:
            raise ArchiveRefused(
                f"{name} was refused: member names that point outside the archive ({', '.join(bad[:3])}). "
                "A Strava export never has such names; nothing was imported.",
                details={"filename": name, "members": bad[:20]},
            )
        self._infos = {i.filename: i for i in infos if not i.is_dir()}
        csv_names = sorted((n for n in self._infos if PurePosixPath(n).name == CSV_NAME), key=len)
        self.csv_member = csv_names[0] if csv_names else None
        self.prefix = str(PurePosixPath(self.csv_member).parent) + "/" if self.csv_member else ""
        self.prefix = "" if self.prefix == "./" else self.prefix
        self._check_sizes([self.csv_member] if self.csv_member else [])
        self.items = self._plan()
        self._check_sizes([i.member for i in self.items if i.member and i.member in self._infos])

    # --- reading --------------------------------------------------------------------------------

    def read(self, member: str) -> bytes:
        """One member's bytes, streamed with a cap. Raises `ArchiveRefused` over the cap and
        `InvalidInput` for a damaged member (bad CRC, unsupported compression, encrypted)."""
        cap = self.limits.max_member_bytes
        out = bytearray()
        try:
            with self._zip.open(self._infos[member]) as fh:
                while chunk := fh.read(CHUNK):
                    out += chunk
                    if len(out) > cap:
                        raise ArchiveRefused(
                            f"{member} in {self.name} unpacks to more than {cap / 2**20:g} MB, more than its "
                            "directory says or an activity file can be; nothing more is read from it.",
                            details={"filename": self.name, "member": member},
                        )
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise InvalidInput(
                f"{member} is damaged in the archive ({exc}); download the export again.",
                details={"filename": self.name, "member": member},
            ) from exc
        return bytes(out)

    # --- planning -------------------------------------------------------------------------------

    def _rows(self) -> list[dict[str, str]]:
        if self.csv_member is None:
            return []
        text = self.read(self.csv_member).decode("utf-8-sig", errors="replace")
        reader = csv.reader(io.StringIO(text))
        header = next(reader, [])
        rows = []
        for values in reader:
            row: dict[str, str] = {}
            for column, value in zip(header, values, strict=False):
                # current exports repeat Elapsed Time / Distance: the second is seconds / metres
                key = column.strip() if column.strip() not in row else f"{column.strip()} (2)"
                row[key] = value
            rows.append(row)
        return rows

    def _item(self, row: dict[str, str]) -> ArchiveItem:
        strava_id = (row.get("Activity ID") or "").strip() or None
        filename = (row.get("Filename") or "").strip()
        metres = _number(row.get("Distance (2)"))
        km = _number(row.get("Distance"))
        return ArchiveItem(
            key=self.prefix + filename if filename else f"{CSV_NAME}: {strava_id} (no file)",
            member=self.prefix + filename if filename else None,
            strava_id=strava_id,
            name=(row.get("Activity Name") or "").strip()[:200] or None,
            activity_type=(row.get("Activity Type") or "").strip() or None,
            description=(row.get("Activity Description") or "").strip() or None,
            gear=(row.get("Activity Gear") or "").strip()[:120] or None,
            start_time=_date(row.get("Activity Date")),
            elapsed_s=_number(row.get("Elapsed Time (2)")) or _number(row.get("Elapsed Time")),
            moving_s=_number(row.get("Moving Time")),
            distance_m=metres if metres is not None else (km * 1000 if km is not None else None),
            max_hr=_number(row.get("Max Heart Rate")),
            calories=_number(row.get("Calories")),
            ascent_m=_number(row.get("Elevation Gain")),
        )

    def _plan(self) -> list[ArchiveItem]:
        items = [self._item(row) for row in self._rows()]
        named = {item.member for item in items if item.member}
        folder = self.prefix + "activities/"
        loose = sorted(
            n
            for n in self._infos
            if n.startswith(folder) and n.lower().endswith(ACTIVITY_SUFFIXES) and n not in named
        )
        items += [ArchiveItem(key=n, member=n) for n in loose]
        if not items:
            raise ArchiveRefused(
                f"{self.name} is not a Strava export: it has no activities.csv and no activities/ folder "
                "of FIT, GPX or TCX files. Send the export_*.zip from strava.com (Settings → My Account → "
                "Download or delete your account).",
                details={"filename": self.name},
            )
        return items

    def has(self, member: str) -> bool:
        return member in self._infos

    def _check_sizes(self, members: list[str]) -> None:
        limits, total = self.limits, 0
        for member in members:
            info = self._infos[member]
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > limits.max_member_bytes:
                mb, cap = info.file_size / 2**20, limits.max_member_bytes / 2**20
                reason = f"{member} unpacks to {mb:.0f} MB (at most {cap:g} MB)"
            elif info.file_size > RATIO_FLOOR_BYTES and ratio > limits.max_ratio:
                reason = f"{member} unpacks {ratio:.0f}× larger than it is packed (a zip bomb?)"
            elif total > limits.max_total_bytes:
                reason = f"its activity files unpack to more than {limits.max_total_bytes / 2**30:g} GB"
            else:
                continue
            raise ArchiveRefused(
                f"{self.name} was refused: {reason}. A Strava export's activity files are a few MB each; "
                "nothing was imported.",
                details={"filename": self.name, "member": member},
            )
