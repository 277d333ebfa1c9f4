"""Chained FIT files that hold several activities, split into the standalone FIT files they are made of.

The FIT protocol lets files be concatenated ("chained"): each part is a whole FIT file (header, messages,
checksum). Devices use it to add to one activity (the Forerunner 920XT's multisport file carries three
parts of extra data after the activity; another file ends with a settings part), and tools and people join
activity files into one. A file with two or more parts that are each an activity (a `file_id` of type
activity and its own session or records) is read as those activities, each part on its own; any other
file (a single part, an activity with non-activity parts, or parts that do not chain cleanly to the end)
is one file to the decoder, as before, whose refusal of a damaged file says what is wrong. Pure: no I/O.
"""

from __future__ import annotations

import struct

from tools.activities.fit import binary
from tools.activities.fit.errors import CorruptFitFile

HEADER_MIN = 12


def parts(data: bytes) -> list[bytes]:
    """The whole FIT files chained in `data`, in order; [] when the headers do not chain to its end."""
    out, pos = [], 0
    while pos < len(data):
        if len(data) - pos < HEADER_MIN or data[pos + 8 : pos + 12] != b".FIT":
            return []
        header_size = data[pos]
        data_size = struct.unpack_from("<I", data, pos + 4)[0]
        end = pos + header_size + data_size + 2
        if header_size < HEADER_MIN or end > len(data):
            return []
        out.append(data[pos:end])
        pos = end
    return out


def _is_activity(part: bytes) -> bool:
    try:
        content = binary.scan(part, filename="part")
    except CorruptFitFile:
        return False
    is_activity_file = any(file_id.get(0) == "activity" for file_id in content.file_ids)
    return is_activity_file and bool(content.sessions or content.records)


def activity_parts(data: bytes) -> list[bytes]:
    """The chained activities in `data` as standalone FIT files, or `[data]` when it is one activity."""
    chained = parts(data)
    if len(chained) < 2:
        return [data]
    activities = [part for part in chained if _is_activity(part)]
    return activities if len(activities) >= 2 else [data]
