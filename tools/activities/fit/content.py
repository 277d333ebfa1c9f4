"""What a decoder hands the builder: the few messages we use, as plain dicts (see `profile` for the value
rules). Both decoders must produce equal `FitContent` for the same bytes; the builder does everything else."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tools.activities.fit import profile

Message = dict[int, Any]  # field definition number → value


@dataclass(slots=True)
class FitContent:
    file_ids: list[Message] = field(default_factory=list)
    sports: list[Message] = field(default_factory=list)
    activities: list[Message] = field(default_factory=list)
    sessions: list[Message] = field(default_factory=list)
    laps: list[Message] = field(default_factory=list)
    # Every record message in file order. A record without its own timestamp carries the latest timestamp
    # seen before it in the file (FIT's "current time"), if there was one.
    records: list[Message] = field(default_factory=list)
    # Set when a damaged file was salvaged: the byte offset where the damage starts (see binary.py).
    damaged_at: int | None = None
    # Set when the file ends early (no trailing checksum to check): why, in words; the messages decoded
    # cleanly before the end are kept (see binary.py).
    truncated: str | None = None

    def target(self, mesg_num: int) -> list[Message] | None:
        """The list that collects messages of this global number, or None if we do not use them."""
        return _TARGETS[mesg_num](self) if mesg_num in _TARGETS else None


_TARGETS = {
    profile.FILE_ID: lambda c: c.file_ids,
    profile.SPORT: lambda c: c.sports,
    profile.ACTIVITY: lambda c: c.activities,
    profile.SESSION: lambda c: c.sessions,
    profile.LAP: lambda c: c.laps,
    profile.RECORD: lambda c: c.records,
}
